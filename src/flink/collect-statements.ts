import { FlinkSqlParserListener } from 'dt-sql-parser/dist/lib/flink/FlinkSqlParserListener.js';
import type { SqlOption } from './option-list.js';
import {
  DEFAULT_CHANNEL,
  walk,
  type NodeWithTokens,
  type ParsedScript,
  type SourceRange,
} from './parse-flink-script.js';
import { decodeIdentifier, decodeSqlLiteral } from './sql-literals.js';
import { parseTableHint, type TableHint } from './table-hints.js';
import type {
  CollectedScript,
  InsertStatement,
  SetStatement,
  StatementKind,
  TableDefinition,
  TableName,
  TableReference,
  ViewDefinition,
} from './script-model.js';

type Ctx<K extends keyof FlinkSqlParserListener> = Parameters<
  NonNullable<FlinkSqlParserListener[K]>
>[0];

/** Reads the facts the analysis needs out of the parse tree, statement by statement. */
export function collectStatements(parsed: ParsedScript): CollectedScript {
  const out: CollectedScript = {
    statements: [],
    tables: [],
    views: [],
    sets: [],
    inserts: [],
    reads: [],
    alteredTables: [],
  };
  for (const single of parsed.tree.singleStatement()) {
    const statement = single.sqlStatement();
    if (!statement) continue;
    const index = out.statements.length;
    const range = parsed.rangeOf(statement);
    const found = new StatementListener(parsed, index);
    // EXPLAIN INSERT ... plans a job without running it: it reads and writes nothing.
    if (!statement.explainStatement()) walk(found, statement);
    const text = parsed.sql.slice(range.start, range.end);
    out.statements.push({
      index,
      kind: found.kind,
      range,
      text,
      executable: found.executable ?? text,
      line: statement.start?.line ?? 1,
    });
    out.tables.push(...found.tables);
    out.sets.push(...found.sets);
    out.inserts.push(...found.inserts);
    out.alteredTables.push(...found.altered);
    const reads = found.reads.filter(
      (ref) => !(ref.name.parts.length === 1 && found.cteNames.has(ref.name.name)),
    );
    if (found.view) out.views.push({ ...found.view, reads });
    else out.reads.push(...reads);
  }
  return out;
}

class StatementListener extends FlinkSqlParserListener {
  kind: StatementKind = 'other';
  readonly tables: TableDefinition[] = [];
  readonly sets: SetStatement[] = [];
  readonly inserts: InsertStatement[] = [];
  readonly reads: TableReference[] = [];
  readonly altered: TableName[] = [];
  readonly cteNames = new Set<string>();
  view: Omit<ViewDefinition, 'reads'> | undefined;
  executable: string | undefined;
  private table: TableDefinition | undefined;

  constructor(
    private readonly parsed: ParsedScript,
    private readonly index: number,
  ) {
    super();
  }

  override enterQueryStatement = () => {
    if (this.kind === 'other') this.kind = 'query';
  };

  override enterSimpleCreateTable = (ctx: Ctx<'enterSimpleCreateTable'>) => {
    this.kind = 'create-table';
    const like = ctx.likeDefinition();
    this.table = {
      ...this.definition(ctx.tablePathCreate(), ctx.withOption(), !!ctx.KW_TEMPORARY()),
      ifNotExists: !!ctx.ifNotExists(),
      ...(like
        ? {
            like: {
              name: this.name(like.tablePath()).name,
              includesOptions: !like
                .likeOption()
                .some((o) => o.KW_EXCLUDING() && (o.KW_ALL() || o.KW_OPTIONS())),
            },
          }
        : {}),
    };
    this.tables.push(this.table);
  };

  override enterCreateTableAsSelect = (ctx: Ctx<'enterCreateTableAsSelect'>) => {
    this.kind = 'create-table-as';
    const table = {
      ...this.definition(ctx.tablePathCreate(), ctx.withOption(), false),
      ifNotExists: !!ctx.ifNotExists(),
      asSelect: true,
    };
    this.tables.push(table);
    this.inserts.push({
      target: this.reference(table.name, ctx.tablePathCreate(), false),
      overwrite: false,
      statementIndex: this.index,
      via: 'create-table-as',
    });
  };

  override enterPhysicalColumnDefinition = (ctx: Ctx<'enterPhysicalColumnDefinition'>) => {
    if (this.table) {
      const { start, end } = this.parsed.rangeOf(ctx.columnType());
      this.table.columns.push({
        name: decodeIdentifier(ctx.columnNameCreate().getText()),
        type: normaliseType(this.parsed.sql.slice(start, end)),
      });
    }
    if (this.table && ctx.columnConstraint()?.KW_PRIMARY()) {
      this.table.primaryKey.push(decodeIdentifier(ctx.columnNameCreate().getText()));
    }
  };

  override enterMetadataColumnDefinition = (ctx: Ctx<'enterMetadataColumnDefinition'>) => {
    const key = ctx.metadataKey();
    const metadata = key
      ? decodeSqlLiteral(key.getText())
      : decodeIdentifier(ctx.columnNameCreate().getText());
    if (this.table && metadata === 'topic' && !ctx.KW_VIRTUAL()) {
      this.table.writesTopicMetadata = true;
    }
  };

  override enterTableConstraint = (ctx: Ctx<'enterTableConstraint'>) => {
    if (!this.table) return;
    for (const column of ctx.columnNameList().columnName()) {
      this.table.primaryKey.push(decodeIdentifier(column.getText()));
    }
  };

  override enterCreateView = (ctx: Ctx<'enterCreateView'>) => {
    this.kind = 'create-view';
    this.view = {
      name: this.name(ctx.viewPathCreate()),
      statementIndex: this.index,
      temporary: !!ctx.KW_TEMPORARY(),
    };
  };

  override enterSetStatement = (ctx: Ctx<'enterSetStatement'>) => {
    this.kind = 'set';
    const property = ctx.tableProperty();
    if (!property) return;
    const value = property.tablePropertyValue();
    this.sets.push({
      key: decodeSqlLiteral(property.tablePropertyKey().getText()),
      value: value ? decodeSqlLiteral(value.getText()) : undefined,
      statementIndex: this.index,
    });
  };

  override enterAlterTable = (ctx: Ctx<'enterAlterTable'>) => {
    this.kind = 'alter-table';
    this.altered.push(this.name(ctx.tablePath()));
  };

  override enterInsertStatement = (ctx: Ctx<'enterInsertStatement'>) => {
    this.kind = ctx.insertSimpleStatement() ? 'insert' : 'statement-set';
    const compatible = ctx.insertMulStatementCompatibility();
    if (compatible) {
      const inserts = compatible
        .insertSimpleStatement()
        .map((insert) => this.text(this.parsed.rangeOf(insert)));
      this.executable = `EXECUTE STATEMENT SET BEGIN\n${inserts.map((i) => `${i};\n`).join('')}END`;
    }
  };

  override enterInsertSimpleStatement = (ctx: Ctx<'enterInsertSimpleStatement'>) => {
    const path = ctx.tablePath();
    this.inserts.push({
      target: this.reference(this.name(path), path),
      overwrite: !!ctx.KW_OVERWRITE(),
      statementIndex: this.index,
      via: this.kind === 'statement-set' ? 'statement-set' : 'insert',
    });
  };

  override enterTablePrimary = (ctx: Ctx<'enterTablePrimary'>) => {
    const path = ctx.tablePath() ?? ctx.viewPath();
    if (path) this.reads.push(this.reference(this.name(path), path));
  };

  override enterWindowTVFParam = (ctx: Ctx<'enterWindowTVFParam'>) => {
    const column = ctx.timeAttrColumn();
    if (ctx.KW_TABLE() && column) this.reads.push(this.reference(this.name(column), column, false));
  };

  override enterWithItemName = (ctx: Ctx<'enterWithItemName'>) => {
    this.cteNames.add(decodeIdentifier(ctx.getText()));
  };

  private definition(
    path: NodeWithTokens,
    withOption: Ctx<'enterWithOption'>,
    temporary: boolean,
  ): TableDefinition {
    const list = withOption.tablePropertyList();
    return {
      name: this.name(path),
      statementIndex: this.index,
      temporary,
      ifNotExists: false,
      asSelect: false,
      with: {
        open: this.parsed.rangeOfToken(list.LR_BRACKET().symbol).start,
        close: this.parsed.rangeOfToken(list.RR_BRACKET().symbol).start,
        options: list.tableProperty().flatMap((p) => this.option(p)),
      },
      connector: undefined,
      primaryKey: [],
      columns: [],
      writesTopicMetadata: false,
    };
  }

  private option(property: Ctx<'enterTableProperty'>): SqlOption[] {
    const key = property.tablePropertyKey();
    const value = property.tablePropertyValue();
    if (!value) return [];
    const valueRange = this.parsed.rangeOf(value);
    return [
      {
        key: decodeSqlLiteral(key.getText()),
        value: decodeSqlLiteral(this.text(valueRange)),
        range: this.parsed.rangeOf(property),
        keyRange: this.parsed.rangeOf(key),
        valueRange,
      },
    ];
  }

  /** Name parts are the default-channel tokens of the path that are not dots. */
  private name(node: NodeWithTokens): TableName {
    const { tokens } = this.parsed;
    const first = node.start?.tokenIndex ?? 0;
    const last = node.stop?.tokenIndex ?? first;
    const parts: string[] = [];
    for (let i = first; i <= last; i++) {
      const token = tokens[i];
      if (token && token.channel === DEFAULT_CHANNEL && token.text !== '.') {
        parts.push(decodeIdentifier(token.text ?? ''));
      }
    }
    return { parts, name: parts.join('.'), range: this.parsed.rangeOf(node) };
  }

  private reference(name: TableName, node: NodeWithTokens, hintable = true): TableReference {
    const { tokens } = this.parsed;
    let hint: TableHint | undefined;
    for (let i = (node.stop?.tokenIndex ?? 0) + 1; i < tokens.length; i++) {
      const token = tokens[i];
      if (!token || token.channel === DEFAULT_CHANNEL) break;
      if (token.text?.startsWith('/*+')) {
        hint = parseTableHint(this.parsed.sql, this.parsed.rangeOfToken(token));
        break;
      }
    }
    return {
      name,
      statementIndex: this.index,
      hintInsertAt: name.range.end,
      hintable,
      ...(hint ? { hint } : {}),
    };
  }

  private text(range: SourceRange): string {
    return this.parsed.sql.slice(range.start, range.end);
  }
}

/** `decimal( 10 , 2 )` and `DECIMAL(10,2)` are one type: compare them as one text. */
function normaliseType(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),<>])\s*/g, '$1')
    .replace(/,/g, ', ')
    .trim()
    .toUpperCase();
}
