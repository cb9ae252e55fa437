import { describe, expect, it } from 'vitest';
import { javaRootCause, javaRootCauseLine } from '../../src/flink/java-root-cause.js';

// Traces as Flink 1.20.3 sent them (frames shortened).

const SAVEPOINT_IO = `java.util.concurrent.CompletionException: org.apache.flink.runtime.checkpoint.CheckpointException: An Exception occurred while triggering the checkpoint. IO-problem detected.
\tat java.base/java.util.concurrent.CompletableFuture.encodeThrowable(CompletableFuture.java:332)
Caused by: org.apache.flink.runtime.checkpoint.CheckpointException: An Exception occurred while triggering the checkpoint. IO-problem detected.
\tat org.apache.flink.runtime.checkpoint.CheckpointCoordinator.lambda$startTriggeringCheckpoint$7(CheckpointCoordinator.java:671)
\t... 3 more
Caused by: java.io.IOException: Failed to create savepoint directory at file:/proc/nope
\tat org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess.initializeLocationForSavepoint(AbstractFsCheckpointStorageAccess.java:172)
\t... 3 more
`;

const VALIDATION = `<Exception on server side:
org.apache.flink.table.gateway.api.utils.SqlGatewayException: org.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.
\tat org.apache.flink.table.gateway.rest.handler.statement.FetchResultsHandler.handleRequest(FetchResultsHandler.java:91)
Caused by: org.apache.flink.table.gateway.service.utils.SqlExecutionException: Failed to execute the operation aebd1222-b20e-49e0-a2cc-1a79f336fde2.
\t... 1 more
Caused by: org.apache.flink.table.api.ValidationException: SQL validation failed. From line 1, column 23 to line 1, column 26: Object 'nope' not found
\t... 15 more
Caused by: org.apache.calcite.runtime.CalciteContextException: From line 1, column 23 to line 1, column 26: Object 'nope' not found
\t... 17 more
Caused by: org.apache.calcite.sql.validate.SqlValidatorException: Object 'nope' not found
\t... 36 more

End of exception on server side>`;

const PARSE = `<Exception on server side:
org.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.
\tat x.Y.z(Y.java:1)
Caused by: org.apache.flink.sql.parser.impl.ParseException: Encountered "\\"" at line 1, column 30.
Was expecting one of:
    <BINARY_STRING_LITERAL> ...
    <QUOTED_STRING> ...
    <PREFIXED_STRING_LITERAL> ...
    <UNICODE_STRING_LITERAL> ...
    <BIG_QUERY_DOUBLE_QUOTED_STRING> ...
    ")" ...
    
\t... 14 more

End of exception on server side>`;

describe('javaRootCause', () => {
  it('takes the deepest cause of a savepoint failure, without class or frames', () => {
    expect(javaRootCause(SAVEPOINT_IO)).toEqual({
      className: 'java.io.IOException',
      message: 'Failed to create savepoint directory at file:/proc/nope',
    });
  });

  it('keeps the position an outer exception adds to the planner’s message', () => {
    expect(javaRootCauseLine(VALIDATION)).toBe(
      "From line 1, column 23 to line 1, column 26: Object 'nope' not found",
    );
  });

  it('keeps the start of a multi-line parser message and drops the rest of the token list', () => {
    const message = javaRootCauseLine(PARSE);
    expect(
      message.startsWith('Encountered "\\"" at line 1, column 30.\nWas expecting one of:'),
    ).toBe(true);
    expect(message.split('\n')).toHaveLength(6);
    expect(message).not.toContain('\tat');
  });

  it('reads a trace with no Caused by, and text that is no trace at all', () => {
    expect(
      javaRootCause(
        'org.apache.flink.runtime.rest.NotFoundException: Job 00 not found\n\tat a.B.c(B.java:1)',
      ),
    ).toEqual({
      className: 'org.apache.flink.runtime.rest.NotFoundException',
      message: 'Job 00 not found',
    });
    expect(javaRootCauseLine('Internal server error.')).toBe('Internal server error.');
    expect(javaRootCauseLine('', 'nothing')).toBe('nothing');
  });
});
