-- The floor for "open cases due this week": the rows Redress's closest filter
-- returns (open, no open deadline before today, newest first, 50 and one to
-- tell whether there is a next page), each with its deadlines, in one
-- statement. The council is one of the sample's, by number.
\set c random(1, :councils)
SELECT p.id, p.reference, p.kind, p.stage, p.status, p.received_at, p.subject,
       d.kind, d.due, d.met_at
FROM (
  SELECT c.id, c.reference, c.kind, c.stage, c.status, c.received_at, c.subject
  FROM cases c
  WHERE c.council_id = (SELECT id FROM sidebyside.councils WHERE n = :c)
    AND c.status IN ('received', 'acknowledged', 'in_progress', 'responded',
                     'escalation_requested', 'with_ombudsman')
    AND (c.next_due IS NULL OR c.next_due >= :today::date)
  ORDER BY c.received_at DESC, c.id DESC
  LIMIT 51
) p
LEFT JOIN deadlines d ON d.case_id = p.id
ORDER BY p.received_at DESC, p.id DESC, d.due;
