-- wrk script for PostGraphile v4 (with postgraphile-plugin-connection-filter)
-- over the same tables. It has no authentication and no row-level security
-- here: the council is an argument the client passes, and any client may
-- read any council's cases.
dofile((debug.getinfo(1, "S").source:sub(2):match("^(.*/)") or "./") .. "common.lua")

local OPEN = '\\"received\\", \\"acknowledged\\", \\"in_progress\\", \\"responded\\", '
  .. '\\"escalation_requested\\", \\"with_ombudsman\\"'

-- The same rows as Redress's `overdue: false` over its open statuses.
local DUE = '{"query":"query($council: UUID!, $today: Date!) { allCases(first: 50, '
  .. 'condition: {councilId: $council}, orderBy: [RECEIVED_AT_DESC, ID_DESC], '
  .. 'filter: {status: {in: [' .. OPEN .. ']}, '
  .. 'or: [{nextDue: {isNull: true}}, {nextDue: {greaterThanOrEqualTo: $today}}]}) '
  .. '{ nodes { id reference kind stage status receivedAt subject '
  .. 'deadlinesByCaseId(orderBy: DUE_ASC) { nodes { kind due metAt } } } '
  .. 'pageInfo { hasNextPage endCursor } } }","variables":{"council":"%s","today":"'
  .. today .. '"}}'

-- `overdue` and `respondBy` are not columns: the client gets what they are
-- computed from (the status, `nextDue` and the response deadlines).
local NEWEST = '{"query":"query($council: UUID!) { allCases(first: 50, '
  .. 'condition: {councilId: $council}, orderBy: [RECEIVED_AT_DESC, ID_DESC]) '
  .. '{ nodes { id reference kind stage status receivedAt subject nextDue '
  .. 'deadlinesByCaseId(condition: {kind: \\"respond\\"}) { nodes { due metAt supersededAt } } } '
  .. 'pageInfo { hasNextPage endCursor } } }","variables":{"council":"%s"}}'

local CASE = '{"query":"query($id: UUID!) { caseById(id: $id) { id reference kind channel stage '
  .. 'status receivedAt subject description '
  .. 'deadlinesByCaseId(orderBy: DUE_ASC) { nodes { kind due metAt } } '
  .. 'caseEventsByCaseId(orderBy: SEQ_ASC) { nodes { seq kind actorRole occurredAt summary } } '
  .. '} }","variables":{"id":"%s"}}'

-- What logContact stores, as the generated create mutations: the case, its
-- two deadlines and its timeline event, in one request (PostGraphile runs a
-- request's mutations in one transaction, each in a savepoint). The client
-- makes up the ids and a random reference and states the deadlines: no
-- numbering, no policy, no validation beyond the column types.
local INTAKE = '{"query":"mutation($case: CaseInput!, $ack: DeadlineInput!, '
  .. '$respond: DeadlineInput!, $event: CaseEventInput!) { '
  .. 'createCase(input: {case: $case}) { case { id reference stage status } } '
  .. 'a: createDeadline(input: {deadline: $ack}) { clientMutationId } '
  .. 'r: createDeadline(input: {deadline: $respond}) { clientMutationId } '
  .. 'createCaseEvent(input: {caseEvent: $event}) { clientMutationId } }",'
  .. '"variables":{'
  .. '"case":{"id":"%s","councilId":"%s","reference":"SBS-%s","kind":"complaint",'
  .. '"channel":"email","stage":"stage_1","status":"received","receivedAt":"' .. received_at .. '",'
  .. '"serviceId":"%s","anonymous":false,"subject":"Missed bin collection (line %d, round %d)",'
  .. '"description":"The bin was not emptied on collection day and has been left out since.",'
  .. '"respondToCouncillor":false,"discrimination":false,"aboutStaff":false,'
  .. '"multiService":false,"nextDue":"2026-11-25","loggedBy":"sidebyside-postgraphile",'
  .. '"createdAt":"%s","updatedAt":"%s","version":1},'
  .. '"ack":{"id":"%s","councilId":"%s","caseId":"%s","stage":"stage_1","kind":"acknowledge",'
  .. '"due":"2026-11-25","policyVersion":1,"explanation":"Acknowledge within 3 working days",'
  .. '"createdAt":"%s"},'
  .. '"respond":{"id":"%s","councilId":"%s","caseId":"%s","stage":"stage_1","kind":"respond",'
  .. '"due":"2026-12-11","policyVersion":1,"explanation":"Respond within 15 working days",'
  .. '"createdAt":"%s"},'
  .. '"event":{"id":"%s","councilId":"%s","caseId":"%s","seq":1,"kind":"contact_logged",'
  .. '"actorSubject":"sidebyside-postgraphile","actorRole":"frontline",'
  .. '"occurredAt":"' .. received_at .. '","recordedAt":"%s","policyVersion":1,'
  .. '"summary":"Complaint logged via email","data":"{\\"kind\\":\\"complaint\\"}"}}}'

local function reference()
  return string.format("%08x%08x%04x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff),
    math.random(0, 0xffff))
end

function request()
  local row = pick()
  if shape == "due" then
    return post(string.format(DUE, row.council))
  elseif shape == "newest" then
    return post(string.format(NEWEST, row.council))
  elseif shape == "case" then
    return post(string.format(CASE, row.case))
  elseif shape == "intake" then
    local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
    local id = uuid4()
    return post(string.format(INTAKE,
      id, row.council, reference(), row.service, thread_id or 0, sent, now, now,
      uuid4(), row.council, id, now,
      uuid4(), row.council, id, now,
      uuid4(), row.council, id, now))
  end
  error("unknown shape " .. shape)
end
