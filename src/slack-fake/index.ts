export * from './fake-slack-api.js';
export * from './fake-slack-workspace.js';
export * from './parse-slack-body.js';
export * from './sign-slack-request.js';
export * from './send-signed-request.js';
export * from './slack-payloads.js';
export { checkMessageLimits, checkViewLimits } from './check-message-limits.js';
export * from './persist-workspace-in-redis.js';
