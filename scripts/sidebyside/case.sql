-- The floor for "one case with its deadlines and timeline": the case of a
-- random sample row, scoped to its council, with both lists as JSON, in one
-- statement.
\set n random(1, :samples)
SELECT c.id, c.reference, c.kind, c.channel, c.stage, c.status, c.received_at, c.subject,
       c.description,
       (SELECT json_agg(json_build_object('kind', d.kind, 'due', d.due, 'met_at', d.met_at)
                        ORDER BY d.due)
        FROM deadlines d WHERE d.case_id = c.id) AS deadlines,
       (SELECT json_agg(json_build_object('seq', e.seq, 'kind', e.kind,
                                          'actor_role', e.actor_role,
                                          'occurred_at', e.occurred_at, 'summary', e.summary)
                        ORDER BY e.seq)
        FROM case_events e WHERE e.case_id = c.id) AS timeline
FROM sidebyside.sample s
JOIN cases c ON c.id = s.case_id AND c.council_id = s.council_id
WHERE s.n = :n;
