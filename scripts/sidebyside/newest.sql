-- The floor for "the newest 50 cases of a council": the page (and one more
-- row for the next-page test) with what `overdue` and `respondBy` are
-- computed from, its open response deadline, in one statement.
\set c random(1, :councils)
SELECT p.id, p.reference, p.kind, p.stage, p.status, p.received_at, p.subject, p.next_due,
       d.due, d.met_at, d.superseded_at
FROM (
  SELECT c.id, c.reference, c.kind, c.stage, c.status, c.received_at, c.subject, c.next_due
  FROM cases c
  WHERE c.council_id = (SELECT id FROM sidebyside.councils WHERE n = :c)
  ORDER BY c.received_at DESC, c.id DESC
  LIMIT 51
) p
LEFT JOIN deadlines d ON d.case_id = p.id AND d.kind = 'respond'
ORDER BY p.received_at DESC, p.id DESC;
