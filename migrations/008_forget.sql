-- A citizen who asks to be forgotten (/forget) is deleted from citizens;
-- their past bookings stay for the statistics, without name or phone, and
-- belong from then on to this one row, which stands for no one (Office.Book
-- refuses telegram IDs below 1, so no real citizen can become it).
INSERT INTO citizens (telegram_id, name, phone, lang) VALUES (0, '', '', 'el')
ON CONFLICT (telegram_id) DO NOTHING;
-- Erasing a citizen finds their rows by these.
CREATE INDEX bookings_citizen_all ON bookings (citizen);
CREATE INDEX outbox_telegram_recipient ON outbox (recipient) WHERE channel = 'telegram';
