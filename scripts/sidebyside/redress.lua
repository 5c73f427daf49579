-- wrk script for Redress: every request carries the frontline token of a
-- randomly picked council, so authentication and tenant scoping run as in
-- production. The shapes are those of scripts/sidebyside.sh.
dofile((debug.getinfo(1, "S").source:sub(2):match("^(.*/)") or "./") .. "common.lua")

local OPEN = "RECEIVED, ACKNOWLEDGED, IN_PROGRESS, RESPONDED, ESCALATION_REQUESTED, WITH_OMBUDSMAN"

-- Redress has no "due this week" filter: the closest is its open cases that
-- are not overdue (an open deadline today or later), newest first.
local DUE = '{"query":"{ cases(first: 50, filter: {statuses: [' .. OPEN .. '], overdue: false}) '
  .. '{ nodes { id reference kind stage status receivedAt subject deadlines { kind due metAt } } '
  .. 'pageInfo { hasNextPage endCursor } } }"}'

local NEWEST = '{"query":"{ cases(first: 50) { nodes { id reference kind stage status receivedAt '
  .. 'subject overdue respondBy } pageInfo { hasNextPage endCursor } } }"}'

local CASE = '{"query":"query($id: ID!) { case(id: $id) { id reference kind channel stage status '
  .. 'receivedAt subject description deadlines { kind due metAt } '
  .. 'timeline { seq kind actorRole occurredAt summary } } }","variables":{"id":"%s"}}'

local INTAKE = '{"query":"mutation($input: LogContactInput!) { logContact(input: $input) '
  .. '{ id reference stage status } }","variables":{"input":{"kind":"COMPLAINT","channel":"EMAIL",'
  .. '"receivedAt":"' .. received_at .. '","subject":"Missed bin collection (line %d, round %d)",'
  .. '"description":"The bin was not emptied on collection day and has been left out since.",'
  .. '"service":"waste"}}}'

function request()
  local row = pick()
  if shape == "due" then
    return post(DUE, row.token)
  elseif shape == "newest" then
    return post(NEWEST, row.token)
  elseif shape == "case" then
    return post(string.format(CASE, row.case), row.token)
  elseif shape == "intake" then
    return post(string.format(INTAKE, thread_id or 0, sent), row.token)
  end
  error("unknown shape " .. shape)
end
