-- Who is counted, and one rule for unknown member counts (issue 11).
--
-- * delivery.staff_at_send: members of a parent group present at send who are not families (the
--   group's owner and registered school staff; the bot is never counted), shown beside
--   members_at_send, which now counts families only.
-- * group_non_family: the member keys of those people per group, recorded when the audience is
--   read; their replies confirm nothing in that group.
-- * coverage_unit: a sent delivery whose members_at_send is NULL (the member list could not be
--   read) counts as a group with an unknown member count: it adds to `groups` and
--   `unknown_groups`, its confirmations to `unknown_confirmed`, and nothing to members/confirmed,
--   so the percentage is over groups of known size only. bot/ledger/coverage.ts applies the same
--   rule to delivery rows (DELIVERY_* fragments); tests/integration/coverage-model.test.ts checks
--   that every surface agrees.

-- AlterTable
ALTER TABLE "delivery" ADD COLUMN "staff_at_send" INTEGER;

-- AlterTable
ALTER TABLE "coverage_unit" ADD COLUMN "unknown_groups" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "unknown_confirmed" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "staff" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "group_non_family" (
    "group_id" INTEGER NOT NULL,
    "member_key" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "seen_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "group_non_family_pkey" PRIMARY KEY ("group_id","member_key")
);

-- AddForeignKey
ALTER TABLE "group_non_family" ADD CONSTRAINT "group_non_family_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "chat_group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- One function for the three statement triggers: the signed contribution of old (-1) and new (+1)
-- rows. The transition tables that exist depend on the operation, so the source is chosen by
-- TG_OP and run with EXECUTE (dynamic SQL sees the transition tables too).
CREATE FUNCTION "ledger_coverage_unit_apply"() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  new_rows text := 'SELECT n.post_id, n.group_id, 1 AS sign, n.status, n.members_at_send, n.staff_at_send, n.confirmed, n.first_confirm_at, n.last_confirm_at FROM ledger_new n';
  old_rows text := 'SELECT o.post_id, o.group_id, -1 AS sign, o.status, o.members_at_send, o.staff_at_send, o.confirmed, NULL::timestamptz(3), NULL::timestamptz(3) FROM ledger_old o';
  src text;
BEGIN
  src := CASE TG_OP WHEN 'INSERT' THEN new_rows WHEN 'DELETE' THEN old_rows ELSE new_rows || ' UNION ALL ' || old_rows END;
  EXECUTE $q$
  INSERT INTO coverage_unit AS cu (post_id, org_unit_id, groups, members, confirmed, unknown_groups, unknown_confirmed, staff,
                                   first_confirm_at, last_confirm_at)
  SELECT r.post_id, g.org_unit_id,
         sum(r.sign * (r.status = 'sent')::int),
         sum(r.sign * CASE WHEN r.status = 'sent' THEN coalesce(r.members_at_send, 0) ELSE 0 END),
         sum(r.sign * CASE WHEN r.status = 'sent' AND r.members_at_send IS NOT NULL THEN least(r.confirmed, r.members_at_send) ELSE 0 END),
         sum(r.sign * (r.status = 'sent' AND r.members_at_send IS NULL)::int),
         sum(r.sign * CASE WHEN r.status = 'sent' AND r.members_at_send IS NULL THEN r.confirmed ELSE 0 END),
         sum(r.sign * CASE WHEN r.status = 'sent' THEN coalesce(r.staff_at_send, 0) ELSE 0 END),
         min(r.first_confirm_at) FILTER (WHERE r.sign = 1 AND r.status = 'sent'),
         max(r.last_confirm_at) FILTER (WHERE r.sign = 1 AND r.status = 'sent')
    FROM ($q$ || src || $q$) AS r(post_id, group_id, sign, status, members_at_send, staff_at_send, confirmed, first_confirm_at, last_confirm_at)
    JOIN chat_group g ON g.id = r.group_id
   GROUP BY r.post_id, g.org_unit_id
   ORDER BY r.post_id, g.org_unit_id -- one lock order for concurrent writers
  ON CONFLICT (post_id, org_unit_id) DO UPDATE
     SET groups = cu.groups + EXCLUDED.groups,
         members = cu.members + EXCLUDED.members,
         confirmed = cu.confirmed + EXCLUDED.confirmed,
         unknown_groups = cu.unknown_groups + EXCLUDED.unknown_groups,
         unknown_confirmed = cu.unknown_confirmed + EXCLUDED.unknown_confirmed,
         staff = cu.staff + EXCLUDED.staff,
         first_confirm_at = LEAST(cu.first_confirm_at, EXCLUDED.first_confirm_at),
         last_confirm_at = GREATEST(cu.last_confirm_at, EXCLUDED.last_confirm_at)$q$;
  RETURN NULL;
END $fn$;

DROP TRIGGER "delivery_coverage_unit_ins" ON "delivery";
DROP TRIGGER "delivery_coverage_unit_upd" ON "delivery";
DROP TRIGGER "delivery_coverage_unit_del" ON "delivery";
DROP FUNCTION "ledger_coverage_unit_ins"();
DROP FUNCTION "ledger_coverage_unit_upd"();
DROP FUNCTION "ledger_coverage_unit_del"();

CREATE TRIGGER "delivery_coverage_unit_ins" AFTER INSERT ON "delivery"
  REFERENCING NEW TABLE AS ledger_new FOR EACH STATEMENT EXECUTE FUNCTION "ledger_coverage_unit_apply"();
CREATE TRIGGER "delivery_coverage_unit_upd" AFTER UPDATE ON "delivery"
  REFERENCING OLD TABLE AS ledger_old NEW TABLE AS ledger_new FOR EACH STATEMENT EXECUTE FUNCTION "ledger_coverage_unit_apply"();
CREATE TRIGGER "delivery_coverage_unit_del" AFTER DELETE ON "delivery"
  REFERENCING OLD TABLE AS ledger_old FOR EACH STATEMENT EXECUTE FUNCTION "ledger_coverage_unit_apply"();

-- Existing rows, recounted under the new rule.
DELETE FROM coverage_unit;
INSERT INTO coverage_unit (post_id, org_unit_id, groups, members, confirmed, unknown_groups, unknown_confirmed, staff, first_confirm_at, last_confirm_at)
SELECT d.post_id, g.org_unit_id, count(*), sum(coalesce(d.members_at_send, 0)),
       sum(CASE WHEN d.members_at_send IS NOT NULL THEN least(d.confirmed, d.members_at_send) ELSE 0 END),
       count(*) FILTER (WHERE d.members_at_send IS NULL),
       coalesce(sum(d.confirmed) FILTER (WHERE d.members_at_send IS NULL), 0),
       sum(coalesce(d.staff_at_send, 0)), min(d.first_confirm_at), max(d.last_confirm_at)
  FROM delivery d JOIN chat_group g ON g.id = d.group_id
 WHERE d.status = 'sent'
 GROUP BY d.post_id, g.org_unit_id;
