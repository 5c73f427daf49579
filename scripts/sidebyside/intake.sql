-- The floor for logContact: the rows it stores for an email complaint about
-- waste (the case, its acknowledgement and response deadlines and its
-- timeline event) in one transaction. No reference numbering (a random
-- reference instead of the council's next number), no policy (fixed dates),
-- no customer lookup, no checks.
\set c random(1, :councils)
BEGIN;
INSERT INTO cases (id, council_id, reference, kind, channel, stage, status, received_at,
                   service_id, anonymous, subject, description, respond_to_councillor,
                   discrimination, about_staff, multi_service, next_due, logged_by,
                   created_at, updated_at, version)
SELECT gen_random_uuid(), k.id, 'SBS-' || substr(md5(random()::text), 1, 20), 'complaint',
       'email', 'stage_1', 'received', '2026-11-20T10:00:00Z', k.waste_service_id, false,
       'Missed bin collection (client ' || :client_id || ')',
       'The bin was not emptied on collection day and has been left out since.',
       false, false, false, false, '2026-11-25', 'sidebyside-floor', now(), now(), 1
FROM sidebyside.councils k WHERE k.n = :c
RETURNING id AS case_id, council_id \gset
INSERT INTO deadlines (id, council_id, case_id, stage, kind, due, policy_version, explanation,
                       created_at)
VALUES (gen_random_uuid(), :council_id, :case_id, 'stage_1', 'acknowledge', '2026-11-25', 1,
        'Acknowledge within 3 working days', now()),
       (gen_random_uuid(), :council_id, :case_id, 'stage_1', 'respond', '2026-12-11', 1,
        'Respond within 15 working days', now());
INSERT INTO case_events (id, council_id, case_id, seq, kind, actor_subject, actor_role,
                         occurred_at, recorded_at, policy_version, summary, data)
VALUES (gen_random_uuid(), :council_id, :case_id, 1, 'contact_logged', 'sidebyside-floor',
        'frontline', '2026-11-20T10:00:00Z', now(), 1, 'Complaint logged via email',
        '{"kind": "complaint"}');
COMMIT;
