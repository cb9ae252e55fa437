/**
 * Lua run atomically by Redis: the check and the write cannot be split by
 * another client, which is what makes "one active evolution per pipeline"
 * and compare-and-set on the version hold with any number of processes.
 */

/**
 * KEYS: active pointer, evolution hash, history zset, audit stream, working set.
 * ARGV: id, json, createdAt, audit maxlen, audit field/value pairs...
 * Returns {'ok'} | {'conflict', activeId} | {'exists'}.
 */
export const CREATE_EVOLUTION_LUA = `
local active = redis.call('GET', KEYS[1])
if active then return {'conflict', active} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'exists'} end
redis.call('HSET', KEYS[2], 'version', '1', 'data', ARGV[2])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[1])
if #ARGV > 4 then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', unpack(ARGV, 5))
end
return {'ok'}
`;

/**
 * KEYS: evolution hash, active pointer, audit stream, working set.
 * ARGV: expected version, json (already carrying version + 1), id,
 *       '1' if still active else '0', '1' if it may still need a step job
 *       else '0', request id, audit maxlen, audit field/value pairs...
 * Returns {'ok'} | {'conflict', actualVersion} | {'missing'}.
 *
 * The request id makes a resent write harmless: when the reply to this
 * script is lost (connection cut after Redis ran it), ioredis sends it again
 * on the new connection; the version has moved on, but the record carries
 * this request's id, so the resend answers 'ok' without writing or
 * auditing twice, instead of a conflict that would leave the caller
 * believing its transition failed.
 */
export const SAVE_EVOLUTION_LUA = `
local v = redis.call('HGET', KEYS[1], 'version')
if not v then return {'missing'} end
if v ~= ARGV[1] then
  if tonumber(v) == tonumber(ARGV[1]) + 1 and redis.call('HGET', KEYS[1], 'request') == ARGV[6] then
    return {'ok'}
  end
  return {'conflict', v}
end
redis.call('HSET', KEYS[1], 'version', tostring(tonumber(v) + 1), 'data', ARGV[2], 'request', ARGV[6])
if ARGV[4] == '0' and redis.call('GET', KEYS[2]) == ARGV[3] then
  redis.call('DEL', KEYS[2])
end
if ARGV[5] == '1' then
  redis.call('SADD', KEYS[4], ARGV[3])
else
  redis.call('SREM', KEYS[4], ARGV[3])
end
if #ARGV > 7 then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', unpack(ARGV, 8))
end
return {'ok'}
`;

/** KEYS: active pointer. ARGV: id. Clears a pointer to a record that no longer exists. */
export const CLEAR_ACTIVE_IF_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
