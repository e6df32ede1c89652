-- Indexes for the long lists of the API and dashboard (issue 12, "fast views"):
--
-- * The group list and a post's delivery list are sorted by unit name, then topic, and paged by
--   cursor (bot/http/keyset.ts). Walking org_unit by name and each unit's groups by org_unit_id
--   gives rows in that order, so a page stops after its rows instead of sorting every group.
CREATE INDEX "org_unit_name_id_idx" ON "org_unit"("name", "id");

-- * A post's rows by status: the per-status counts of the delivery list read the index alone, and
--   the failed/unknown part of the list finds its rows directly.
CREATE INDEX "delivery_post_id_status_idx" ON "delivery"("post_id", "status");

-- * The group search (`/api/groups?q=`) matches a substring of the topic or class name. pg_trgm
--   needs three characters, and Chinese searches are often two (三班, 钦南), so the index holds
--   each name's single characters and character pairs: the rows whose grams contain all of the
--   search's grams are the candidates, and ILIKE checks them. Lower-cased like ILIKE compares.
CREATE FUNCTION "text_grams"(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, n)), '{}')
    FROM generate_series(1, char_length(t)) i, (VALUES (1), (2)) v(n)
   WHERE i + n - 1 <= char_length(t)
$$;

-- The expression must stay identical to GROUP_GRAMS in bot/http/routes/units.ts.
CREATE INDEX "chat_group_search_grams_idx" ON "chat_group" USING gin ((coalesce(text_grams("topic"), '{}') || coalesce(text_grams("class_name"), '{}')));
