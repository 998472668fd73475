/**
 * The Redis store's Lua scripts. Each runs atomically in one cluster slot: the commit and the slot purge
 * touch only keys sharing the entry's hash tag (the index hash names the variant hashes it reaches, which
 * sit in the same slot), the index scripts one index each. Times are epoch milliseconds passed in by the
 * caller; record layout in record.ts, key layout in keys.ts.
 */

const HELPERS = `
local function parse(rec)
  return string.match(rec, '^(%d+) (%S+) (%S+) (%S+) (%S+) (%d+) (%d+)\\n')
end
local function extend(key, at)
  if redis.call('PEXPIRETIME', key) < at then redis.call('PEXPIREAT', key, string.format('%d', at)) end
end
`;

/**
 * Makes a fully written body the current version of its variant, in one step.
 * KEYS: index, variants, body. ARGV: indexField, primaryKey, variantField, staleAt, requestAt, deleteAt,
 * bodyId, chunks, size, meta JSON, now, graceMs, keepMs, bodyPrefix.
 * Answers `{verdict, replaced, replacedSize}`: 1 stored, 0 refused (a URL purge since the request began),
 * -1 the body is incomplete (expired while written).
 */
export const COMMIT_SCRIPT = `${HELPERS}
local req = tonumber(ARGV[5])
local hard = redis.call('HGET', KEYS[1], '#hard')
if hard and req <= tonumber(hard) then
  redis.call('DEL', KEYS[3])
  return {0, 0, 0}
end
local chunks = tonumber(ARGV[8])
if chunks > 0 and redis.call('HLEN', KEYS[3]) ~= chunks then
  redis.call('DEL', KEYS[3])
  return {-1, 0, 0}
end
local stale = ARGV[4]
local soft = redis.call('HGET', KEYS[1], '#soft')
if soft and req <= tonumber(soft) and tonumber(soft) < tonumber(stale) then stale = soft end
local now = tonumber(ARGV[11])
local replaced, replacedSize = 0, 0
local fields = redis.call('HGETALL', KEYS[2])
for i = 1, #fields, 2 do
  local field = fields[i]
  if string.sub(field, 1, 2) == 'v:' then
    local seq, _, _, del, id, _, size = parse(fields[i + 1])
    if field == ARGV[3] or not seq or tonumber(del) <= now then
      redis.call('HDEL', KEYS[2], field)
      if id and id ~= '-' then redis.call('PEXPIRE', ARGV[14] .. id, ARGV[12]) end
      if field == ARGV[3] and seq then
        replaced = 1
        replacedSize = tonumber(size)
      end
    end
  end
end
local seq = redis.call('HINCRBY', KEYS[2], '#seq', 1)
redis.call('HSET', KEYS[2], ARGV[3], seq .. ' ' .. stale .. ' ' .. ARGV[5] .. ' ' .. ARGV[6] .. ' ' .. ARGV[7] .. ' ' .. ARGV[8] .. ' ' .. ARGV[9] .. '\\n' .. ARGV[10])
local deleteAt = tonumber(ARGV[6])
extend(KEYS[2], deleteAt)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
extend(KEYS[1], math.max(deleteAt, now + tonumber(ARGV[13])))
if chunks > 0 then redis.call('PEXPIREAT', KEYS[3], ARGV[6]) end
return {1, replaced, replacedSize}
`;

/**
 * Purges one slot: every primary key of a shared key (`all`), one primary key (`key`), those starting with a
 * prefix (`prefix`), or variants carrying a tag (`tag`); only variants whose request began before `before`.
 * Hard: the variant goes (its body lingers `graceMs` for readers streaming it). Soft: `staleAt` becomes
 * `now` unless already earlier. With `mark`, the purge time is kept in the index for `keepMs`, and a fill
 * whose request began before it is refused (hard) or stored stale (soft) by the commit script.
 * KEYS: index. ARGV: mode, now, kind, value, before ('inf' or ms), mark, variantsPrefix, bodyPrefix, graceMs, keepMs.
 * Answers `{matched, bytesRemoved}`.
 */
export const PURGE_SLOT_SCRIPT = `${HELPERS}
local function hasTag(rec, tag)
  local meta = cjson.decode(string.sub(rec, string.find(rec, '\\n', 1, true) + 1))
  for _, t in ipairs(meta.tags or {}) do
    if t == tag then return true end
  end
  return false
end
local hard = ARGV[1] == 'hard'
local now = tonumber(ARGV[2])
local kind, value = ARGV[3], ARGV[4]
local before = math.huge
if ARGV[5] ~= 'inf' then before = tonumber(ARGV[5]) end
local count, bytes = 0, 0
local index = redis.call('HGETALL', KEYS[1])
for i = 1, #index, 2 do
  local field, key = index[i], index[i + 1]
  if string.sub(field, 1, 2) == 'k:' and (kind == 'all' or kind == 'tag' or (kind == 'key' and key == value)
      or (kind == 'prefix' and string.sub(key, 1, #value) == value)) then
    local vkey = ARGV[7] .. string.sub(field, 3)
    local variants = redis.call('HGETALL', vkey)
    local live = 0
    for j = 1, #variants, 2 do
      local vfield, rec = variants[j], variants[j + 1]
      if string.sub(vfield, 1, 2) == 'v:' then
        local seq, stale, req, del, id, _, size = parse(rec)
        if not seq or tonumber(del) <= now then
          redis.call('HDEL', vkey, vfield)
        elseif tonumber(req) < before and (kind ~= 'tag' or hasTag(rec, value)) then
          count = count + 1
          if hard then
            redis.call('HDEL', vkey, vfield)
            if id ~= '-' then redis.call('PEXPIRE', ARGV[8] .. id, ARGV[9]) end
            bytes = bytes + tonumber(size)
          else
            live = live + 1
            if tonumber(stale) > now then
              local header = seq .. ' ' .. stale .. ' '
              redis.call('HSET', vkey, vfield, seq .. ' ' .. ARGV[2] .. ' ' .. string.sub(rec, #header + 1))
            end
          end
        else
          live = live + 1
        end
      end
    end
    if live == 0 then
      redis.call('DEL', vkey)
      redis.call('HDEL', KEYS[1], field)
    end
  end
end
if ARGV[6] == '1' then
  local mark = hard and '#hard' or '#soft'
  local previous = redis.call('HGET', KEYS[1], mark)
  if not previous or tonumber(previous) < now then redis.call('HSET', KEYS[1], mark, ARGV[2]) end
  extend(KEYS[1], now + tonumber(ARGV[10]))
end
return {count, bytes}
`;

/**
 * Adds a member to a zset scored by deleteAt (and to its lexicographic twin when given), trims up to 64
 * members whose time has passed, and keeps the keys alive until the latest score.
 * KEYS: byTime [, lex]. ARGV: member, deleteAt, now.
 */
export const INDEX_ADD_SCRIPT = `${HELPERS}
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
if KEYS[2] then redis.call('ZADD', KEYS[2], 0, ARGV[1]) end
local gone = redis.call('ZRANGE', KEYS[1], '-inf', '(' .. ARGV[3], 'BYSCORE', 'LIMIT', 0, 64)
if #gone > 0 then
  redis.call('ZREM', KEYS[1], unpack(gone))
  if KEYS[2] then redis.call('ZREM', KEYS[2], unpack(gone)) end
end
local last = redis.call('ZRANGE', KEYS[1], 0, 0, 'REV', 'WITHSCORES')
if last[2] then
  local at = tonumber(last[2])
  extend(KEYS[1], at)
  if KEYS[2] then extend(KEYS[2], at) end
end
return 1
`;

/** Writes one body chunk and keeps the unfinished body alive for `pendingMs`. KEYS: body. ARGV: field, chunk, pendingMs. */
export const WRITE_CHUNK_SCRIPT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/**
 * Records a purge marker (scored by its time), drops markers older than `oldestAt` and keeps the set alive
 * for `windowMs`. KEYS: purges. ARGV: at, marker, oldestAt, windowMs.
 */
export const ADD_MARKER_SCRIPT = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;
