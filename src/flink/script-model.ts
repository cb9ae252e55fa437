import type { OptionList } from './option-list.js';
import type { SourceRange } from './parse-flink-script.js';
import type { TableHint } from './table-hints.js';

/** What the parse tree says about a script, statement by statement (see collect-statements.ts). */

export interface TableName {
  /** Decoded parts: `` `cat`.db.`t;1` `` -> ['cat', 'db', 't;1']. */
  parts: string[];
  /** The parts joined with dots, for display and matching. */
  name: string;
  range: SourceRange;
}

/** A table named in a query (FROM, JOIN, a window function's TABLE argument) or as an INSERT target. */
export interface TableReference {
  name: TableName;
  statementIndex: number;
  hint?: TableHint;
  /** Where a new `/*+ OPTIONS(...) *\/` goes: right after the name. */
  hintInsertAt: number;
  /** False for a window function's `TABLE t` argument, where Flink rejects hints. */
  hintable: boolean;
}

export interface TableDefinition {
  name: TableName;
  statementIndex: number;
  temporary: boolean;
  ifNotExists: boolean;
  /** CREATE TABLE ... AS SELECT: the statement also writes the table. */
  asSelect: boolean;
  like?: { name: string; includesOptions: boolean };
  /** The WITH (...) list, in script order, with the places of each literal. */
  with: OptionList;
  /** The 'connector' option, its LIKE base's when it has none of its own. */
  connector: string | undefined;
  primaryKey: string[];
  /** Physical columns in declared order, the type as written (upper case, single spaces). */
  columns: { name: string; type: string }[];
  /** A writable `topic` metadata column lets each row pick its topic. */
  writesTopicMetadata: boolean;
}

export interface ViewDefinition {
  name: TableName;
  statementIndex: number;
  temporary: boolean;
  reads: TableReference[];
}

export interface SetStatement {
  key: string;
  value: string | undefined;
  statementIndex: number;
}

export interface InsertStatement {
  target: TableReference;
  overwrite: boolean;
  statementIndex: number;
  via: 'insert' | 'statement-set' | 'create-table-as';
}

export type StatementKind =
  | 'create-table'
  | 'create-table-as'
  | 'create-view'
  | 'set'
  | 'insert'
  | 'statement-set'
  | 'query'
  | 'alter-table'
  | 'other';

export interface ScriptStatement {
  index: number;
  kind: StatementKind;
  /** The statement without its final semicolon and the comments before it. */
  range: SourceRange;
  text: string;
  /**
   * What to send to the SQL gateway: the text, except that the SQL client's
   * `BEGIN STATEMENT SET; ...; END` becomes `EXECUTE STATEMENT SET BEGIN ... END`,
   * the form the gateway runs as one statement.
   */
  executable: string;
  line: number;
}

export interface CollectedScript {
  statements: ScriptStatement[];
  tables: TableDefinition[];
  views: ViewDefinition[];
  sets: SetStatement[];
  inserts: InsertStatement[];
  /** Tables read by statements that run (INSERT, CTAS, a bare SELECT); views are expanded later. */
  reads: TableReference[];
  alteredTables: TableName[];
}
