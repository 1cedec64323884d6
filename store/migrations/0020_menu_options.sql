-- A real menu: modifier groups and their options, translations, category
-- hours and item photos. Translations and hours are JSON kept beside the
-- row they belong to: they are always read and written with it.

-- The restaurant's languages; the first is the kitchen's.
ALTER TABLE settings ADD COLUMN languages TEXT NOT NULL DEFAULT '["en"]';

ALTER TABLE categories ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
-- [{days:[1..7], from:"HH:MM", to:"HH:MM"}]; empty: always served.
ALTER TABLE categories ADD COLUMN hours TEXT NOT NULL DEFAULT '[]';

-- Photos, content-addressed: the hash is of the JPEG bytes, so a URL
-- names one picture forever and may be cached for a year.
CREATE TABLE images (
    hash       TEXT    PRIMARY KEY,
    data       BLOB    NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

ALTER TABLE items ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
ALTER TABLE items ADD COLUMN image_hash TEXT REFERENCES images (hash);
ALTER TABLE items ADD COLUMN thumb_hash TEXT REFERENCES images (hash);

-- A group is shared by every item that lists it (one "Doneness" for
-- every steak).
CREATE TABLE modifier_groups (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    min          INTEGER NOT NULL,
    max          INTEGER NOT NULL,
    translations TEXT    NOT NULL DEFAULT '{}'
) STRICT;

CREATE TABLE modifier_options (
    id                INTEGER PRIMARY KEY,
    group_id          INTEGER NOT NULL REFERENCES modifier_groups (id) ON DELETE CASCADE,
    name              TEXT    NOT NULL,
    price_delta_cents INTEGER NOT NULL,
    available         INTEGER NOT NULL DEFAULT 1,
    is_default        INTEGER NOT NULL DEFAULT 0,
    -- "no nuts": the kitchen display and tickets make it stand out.
    allergy           INTEGER NOT NULL DEFAULT 0,
    position          INTEGER NOT NULL,
    translations      TEXT    NOT NULL DEFAULT '{}'
) STRICT;

CREATE INDEX modifier_options_group ON modifier_options (group_id, position);

CREATE TABLE item_modifier_groups (
    item_id  INTEGER NOT NULL REFERENCES items (id),
    group_id INTEGER NOT NULL REFERENCES modifier_groups (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (item_id, group_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX item_modifier_groups_group ON item_modifier_groups (group_id);

-- The choices of an order line, copied at order time in the kitchen's
-- language: later menu edits never change what was ordered.
CREATE TABLE order_item_modifiers (
    id                INTEGER PRIMARY KEY,
    order_item_id     INTEGER NOT NULL REFERENCES order_items (id),
    option_id         INTEGER NOT NULL,
    group_name        TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    price_delta_cents INTEGER NOT NULL,
    allergy           INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX order_item_modifiers_line ON order_item_modifiers (order_item_id);
