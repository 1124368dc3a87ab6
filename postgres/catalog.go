package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rantevou/rantevou/booking"
)

// syncLock serializes SyncCatalog across replicas (an arbitrary constant
// for pg_advisory_xact_lock): upserts of the same rows in different orders
// could otherwise deadlock.
const syncLock = int64(0x72616e7465766f75)

// SyncCatalog upserts departments, desks, services and the catalog's static
// closures. It is idempotent; static closures no longer in the catalog are
// removed; desks and services that disappeared are kept, since old bookings
// refer to them. A service is a department's (the database holds each
// booking's service to its department), so one the catalog moves to another
// department is added there and its old row stays with the old bookings.
func (s *Store) SyncCatalog(ctx context.Context, c *booking.Catalog) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, syncLock); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, d := range c.Departments {
			b.Queue(`INSERT INTO departments (code, name_el, name_en) VALUES ($1, $2, $3)
				ON CONFLICT (code) DO UPDATE SET name_el = EXCLUDED.name_el, name_en = EXCLUDED.name_en, updated_at = now()
				WHERE (departments.name_el, departments.name_en) IS DISTINCT FROM (EXCLUDED.name_el, EXCLUDED.name_en)`,
				d.Code, d.Name.EL, d.Name.EN)
			for _, desk := range d.Desks {
				b.Queue(`INSERT INTO desks (department, code) VALUES ($1, $2) ON CONFLICT DO NOTHING`, d.Code, desk)
			}
		}
		for _, sv := range c.Services {
			b.Queue(`INSERT INTO services (code, department, name_el, name_en, minutes) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (department, code) DO UPDATE SET name_el = EXCLUDED.name_el,
				name_en = EXCLUDED.name_en, minutes = EXCLUDED.minutes
				WHERE (services.name_el, services.name_en, services.minutes)
				IS DISTINCT FROM (EXCLUDED.name_el, EXCLUDED.name_en, EXCLUDED.minutes)`,
				sv.Code, sv.Department, sv.Name.EL, sv.Name.EN, int(sv.Duration/time.Minute))
		}
		var depts, desks []string
		var froms, tos []time.Time
		for _, cl := range c.Closures {
			b.Queue(`INSERT INTO closures (department, desk, from_day, to_day, reason_el, reason_en, created_by, static)
				VALUES ($1, $2, $3, $4, $5, $6, 'catalog', true)
				ON CONFLICT (department, desk, from_day, to_day) WHERE static
				DO UPDATE SET reason_el = EXCLUDED.reason_el, reason_en = EXCLUDED.reason_en`,
				cl.Department, cl.Desk, dateValue(cl.From), dateValue(cl.To), cl.Reason.EL, cl.Reason.EN)
			depts, desks = append(depts, cl.Department), append(desks, cl.Desk)
			froms, tos = append(froms, dateValue(cl.From)), append(tos, dateValue(cl.To))
		}
		b.Queue(`DELETE FROM closures c WHERE c.static AND NOT EXISTS (
			SELECT 1 FROM unnest($1::text[], $2::text[], $3::date[], $4::date[]) AS s(department, desk, from_day, to_day)
			WHERE (s.department, s.desk, s.from_day, s.to_day) = (c.department, c.desk, c.from_day, c.to_day))`,
			depts, desks, froms, tos)
		return tx.SendBatch(ctx, b).Close()
	})
	return wrap("sync catalog", err)
}
