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
--   All built-in C functions in one expression (not STRICT, so the planner can inline it): the characters, then the
--   pairs at even and at odd offsets. About three times faster than generate_series + array_agg,
--   which matters because the index's candidates are checked with it again.
CREATE FUNCTION "text_grams"(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_remove(
           regexp_split_to_array(lower(t), '')
           || string_to_array(regexp_replace(lower(t), '(..)', E'\\1\x01', 'g'), E'\x01')
           || string_to_array(regexp_replace(substr(lower(t), 2), '(..)', E'\\1\x01', 'g'), E'\x01'),
           '')
$$;

-- The expression must stay identical to GROUP_GRAMS in bot/http/routes/units.ts.
CREATE INDEX "chat_group_search_grams_idx" ON "chat_group" USING gin ((coalesce(text_grams("topic"), '{}') || coalesce(text_grams("class_name"), '{}')));
