-- The LXD `volatile.uuid` of each container (issue 13). Keep in step with ../../postgresql/.
-- Every token for a container action binds it (`uid`), so a token never acts
-- on another container made under the same name; NULL until the panel has
-- seen it (the creation's answer or the sync's list).
ALTER TABLE containers ADD COLUMN uuid TEXT;
