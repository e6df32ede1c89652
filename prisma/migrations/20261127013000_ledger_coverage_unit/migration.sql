-- Coverage per post and org unit, kept by statement-level triggers on delivery, so that roll-ups by
-- unit and county read a few hundred rows instead of every delivered group (README "Read
-- confirmations and coverage" has the measurement). A delivery counts when its status is 'sent';
-- members are members_at_send (unknown counts as 0); confirmed is capped at members. A row's
-- contribution is added for new rows and subtracted for old rows, so any change of status,
-- members or counter keeps the totals exact. first/last_confirm_at only move outwards.

-- CreateTable
CREATE TABLE "coverage_unit" (
    "post_id" INTEGER NOT NULL,
    "org_unit_id" INTEGER NOT NULL,
    "groups" INTEGER NOT NULL DEFAULT 0,
    "members" INTEGER NOT NULL DEFAULT 0,
    "confirmed" INTEGER NOT NULL DEFAULT 0,
    "first_confirm_at" TIMESTAMPTZ(3),
    "last_confirm_at" TIMESTAMPTZ(3),

    CONSTRAINT "coverage_unit_pkey" PRIMARY KEY ("post_id","org_unit_id")
);

CREATE FUNCTION "ledger_coverage_unit_ins"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO coverage_unit AS cu (post_id, org_unit_id, groups, members, confirmed, first_confirm_at, last_confirm_at)
  SELECT r.post_id, g.org_unit_id,
         sum(r.sign * (r.status = 'sent')::int),
         sum(r.sign * CASE WHEN r.status = 'sent' THEN coalesce(r.members_at_send, 0) ELSE 0 END),
         sum(r.sign * CASE WHEN r.status = 'sent' THEN least(r.confirmed, coalesce(r.members_at_send, 0)) ELSE 0 END),
         min(r.first_confirm_at) FILTER (WHERE r.sign = 1 AND r.status = 'sent'),
         max(r.last_confirm_at) FILTER (WHERE r.sign = 1 AND r.status = 'sent')
    FROM (SELECT n.post_id, n.group_id, 1 AS sign, n.status, n.members_at_send, n.confirmed, n.first_confirm_at, n.last_confirm_at FROM ledger_new n) r
    JOIN chat_group g ON g.id = r.group_id
   GROUP BY r.post_id, g.org_unit_id
   ORDER BY r.post_id, g.org_unit_id -- one lock order for concurrent writers
  ON CONFLICT (post_id, org_unit_id) DO UPDATE
     SET groups = cu.groups + EXCLUDED.groups,
         members = cu.members + EXCLUDED.members,
         confirmed = cu.confirmed + EXCLUDED.confirmed,
         first_confirm_at = LEAST(cu.first_confirm_at, EXCLUDED.first_confirm_at),
         last_confirm_at = GREATEST(cu.last_confirm_at, EXCLUDED.last_confirm_at);
  RETURN NULL;
END $$;

CREATE FUNCTION "ledger_coverage_unit_upd"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO coverage_unit AS cu (post_id, org_unit_id, groups, members, confirmed, first_confirm_at, last_confirm_at)
  SELECT r.post_id, g.org_unit_id,
         sum(r.sign * (r.status = 'sent')::int),
         sum(r.sign * CASE WHEN r.status = 'sent' THEN coalesce(r.members_at_send, 0) ELSE 0 END),
         sum(r.sign * CASE WHEN r.status = 'sent' THEN least(r.confirmed, coalesce(r.members_at_send, 0)) ELSE 0 END),
         min(r.first_confirm_at) FILTER (WHERE r.sign = 1 AND r.status = 'sent'),
         max(r.last_confirm_at) FILTER (WHERE r.sign = 1 AND r.status = 'sent')
    FROM (SELECT n.post_id, n.group_id, 1 AS sign, n.status, n.members_at_send, n.confirmed, n.first_confirm_at, n.last_confirm_at FROM ledger_new n
            UNION ALL
            SELECT o.post_id, o.group_id, -1 AS sign, o.status, o.members_at_send, o.confirmed, NULL::timestamptz(3) AS first_confirm_at, NULL::timestamptz(3) AS last_confirm_at FROM ledger_old o) r
    JOIN chat_group g ON g.id = r.group_id
   GROUP BY r.post_id, g.org_unit_id
   ORDER BY r.post_id, g.org_unit_id -- one lock order for concurrent writers
  ON CONFLICT (post_id, org_unit_id) DO UPDATE
     SET groups = cu.groups + EXCLUDED.groups,
         members = cu.members + EXCLUDED.members,
         confirmed = cu.confirmed + EXCLUDED.confirmed,
         first_confirm_at = LEAST(cu.first_confirm_at, EXCLUDED.first_confirm_at),
         last_confirm_at = GREATEST(cu.last_confirm_at, EXCLUDED.last_confirm_at);
  RETURN NULL;
END $$;

CREATE FUNCTION "ledger_coverage_unit_del"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO coverage_unit AS cu (post_id, org_unit_id, groups, members, confirmed, first_confirm_at, last_confirm_at)
  SELECT r.post_id, g.org_unit_id,
         sum(r.sign * (r.status = 'sent')::int),
         sum(r.sign * CASE WHEN r.status = 'sent' THEN coalesce(r.members_at_send, 0) ELSE 0 END),
         sum(r.sign * CASE WHEN r.status = 'sent' THEN least(r.confirmed, coalesce(r.members_at_send, 0)) ELSE 0 END),
         min(r.first_confirm_at) FILTER (WHERE r.sign = 1 AND r.status = 'sent'),
         max(r.last_confirm_at) FILTER (WHERE r.sign = 1 AND r.status = 'sent')
    FROM (SELECT o.post_id, o.group_id, -1 AS sign, o.status, o.members_at_send, o.confirmed, NULL::timestamptz(3) AS first_confirm_at, NULL::timestamptz(3) AS last_confirm_at FROM ledger_old o) r
    JOIN chat_group g ON g.id = r.group_id
   GROUP BY r.post_id, g.org_unit_id
   ORDER BY r.post_id, g.org_unit_id -- one lock order for concurrent writers
  ON CONFLICT (post_id, org_unit_id) DO UPDATE
     SET groups = cu.groups + EXCLUDED.groups,
         members = cu.members + EXCLUDED.members,
         confirmed = cu.confirmed + EXCLUDED.confirmed,
         first_confirm_at = LEAST(cu.first_confirm_at, EXCLUDED.first_confirm_at),
         last_confirm_at = GREATEST(cu.last_confirm_at, EXCLUDED.last_confirm_at);
  RETURN NULL;
END $$;

CREATE TRIGGER "delivery_coverage_unit_ins" AFTER INSERT ON "delivery"
  REFERENCING NEW TABLE AS ledger_new FOR EACH STATEMENT EXECUTE FUNCTION "ledger_coverage_unit_ins"();
CREATE TRIGGER "delivery_coverage_unit_upd" AFTER UPDATE ON "delivery"
  REFERENCING OLD TABLE AS ledger_old NEW TABLE AS ledger_new FOR EACH STATEMENT EXECUTE FUNCTION "ledger_coverage_unit_upd"();
CREATE TRIGGER "delivery_coverage_unit_del" AFTER DELETE ON "delivery"
  REFERENCING OLD TABLE AS ledger_old FOR EACH STATEMENT EXECUTE FUNCTION "ledger_coverage_unit_del"();

-- Existing deliveries.
INSERT INTO coverage_unit (post_id, org_unit_id, groups, members, confirmed, first_confirm_at, last_confirm_at)
SELECT d.post_id, g.org_unit_id, count(*), sum(coalesce(d.members_at_send, 0)),
       sum(least(d.confirmed, coalesce(d.members_at_send, 0))), min(d.first_confirm_at), max(d.last_confirm_at)
  FROM delivery d JOIN chat_group g ON g.id = d.group_id
 WHERE d.status = 'sent'
 GROUP BY d.post_id, g.org_unit_id;
