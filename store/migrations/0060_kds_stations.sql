-- The stations the kitchen display shows when opened without ?station=
-- (an empty list: every station). Drinks belong to the bar's screen, so a
-- new box shows the kitchen's. A box that already cooks at stations of its
-- own keeps showing all of them but the bar, so no screen goes blank.
ALTER TABLE settings ADD COLUMN kds_stations TEXT NOT NULL DEFAULT '["kitchen"]';
UPDATE settings SET kds_stations = (
    SELECT json_group_array(station) FROM (
        SELECT DISTINCT lower(station) AS station FROM items
        WHERE deleted_at IS NULL AND lower(station) <> 'bar' ORDER BY 1))
WHERE EXISTS (SELECT 1 FROM items WHERE deleted_at IS NULL AND lower(station) NOT IN ('kitchen', 'bar'));
