-- Rules the schema did not enforce yet, and an index every cancel and move
-- needs. Existing rows are brought into line first, keeping what they say.

-- A booking is in one of the office's languages, as its citizen is. A row
-- written with anything else takes its citizen's language.
UPDATE bookings b SET lang = c.lang
FROM citizens c
WHERE c.telegram_id = b.citizen AND b.lang NOT IN ('el', 'en');
ALTER TABLE bookings ADD CONSTRAINT bookings_lang CHECK (lang IN ('el', 'en'));

-- Every cancel and move deletes the booking's pending reminders by
-- booking_id (dropReminders, writeCancellations); without an index each
-- did a scan of the whole outbox, delivered rows included.
CREATE INDEX outbox_booking_pending ON outbox (booking_id)
    WHERE delivered_at IS NULL AND parked_at IS NULL;

-- A booking's service belongs to its department. Services are keyed by
-- department and code, as desks are, so that a service the catalog moves to
-- another department keeps its old row for the bookings made before the
-- move (SyncCatalog adds the new one), as services removed from the
-- catalog are kept for theirs.
ALTER TABLE bookings DROP CONSTRAINT bookings_service_fkey;
ALTER TABLE services DROP CONSTRAINT services_pkey;
ALTER TABLE services ADD PRIMARY KEY (department, code);
-- Bookings made before such a move had lost their service's department:
-- give each its row back, named and timed as the service is now.
INSERT INTO services (code, department, name_el, name_en, minutes)
SELECT DISTINCT b.service, b.department, s.name_el, s.name_en, s.minutes
FROM bookings b JOIN services s ON s.code = b.service
WHERE b.department <> s.department;
ALTER TABLE bookings ADD CONSTRAINT bookings_service_fkey
    FOREIGN KEY (department, service) REFERENCES services (department, code);
