-- Gapless post codes (issue 11). The code came from a sequence in the column default, which is
-- evaluated for every INSERT attempt: a repeated article (INSERT … ON CONFLICT DO NOTHING) used up a
-- code, so teachers saw F100, F101, F103 and looked in vain for F102. The code now comes from a
-- one-row counter, updated in the inserting transaction (rolled back with it), and capturePost
-- inserts only after it has found no post with the key while holding the counter's row lock.

-- CreateTable
CREATE TABLE "post_code_counter" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "last" INTEGER NOT NULL,

    CONSTRAINT "post_code_counter_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "post_code_counter_one_row" CHECK ("id" = 1)
);

INSERT INTO "post_code_counter" ("id", "last")
SELECT 1, GREATEST(99, coalesce((SELECT max(substring(code FROM 2)::int) FROM post WHERE code ~ '^F[0-9]{1,9}$'), 99));

-- The next code: transactional, so a rolled-back insert gives its code back.
CREATE FUNCTION "next_post_code"() RETURNS text LANGUAGE sql VOLATILE AS $$
  UPDATE post_code_counter SET last = last + 1 WHERE id = 1 RETURNING 'F' || last
$$;

ALTER TABLE "post" ALTER COLUMN "code" SET DEFAULT next_post_code();
DROP SEQUENCE "post_code_seq";
