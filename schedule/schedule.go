// Package schedule owns rantevou's daily jobs: each morning, at a configured
// local time, every department's roster is queued for its Slack channel,
// exactly once per department and day however many replicas run and however
// often they restart; and each night the retention run erases the personal
// data and bookkeeping past their periods (booking.Retention), once a day
// across replicas in the same way. On every tick it also releases the
// places of cancelled bookings whose hold ran out (booking.CitizenLimits),
// for the calendar to offer them again.
//
// It is a plain ticker over an injected clock rather than a cron library:
// the exactly-once guarantee lives in the database (a job_runs row claimed
// in the same transaction that writes the roster's outbox row), so the
// scheduler only has to ask "is it past 07:30 and is today's roster still
// unclaimed?" every tick. That question also catches up after a restart at
// 07:31, which a trigger firing at 07:30 would miss, and a fake clock drives
// it in tests without waiting.
package schedule

import (
	"context"
	"log/slog"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// Claimer claims a job for a day and writes its notifications in the same
// transaction; *postgres.Jobs implements it.
type Claimer interface {
	Claim(ctx context.Context, job string, day booking.Date, notify []booking.Notification) (bool, error)
}

// Retainer claims the day's retention run and, if it won, erases what is
// past keeping in the same transaction; *postgres.Jobs implements it.
type Retainer interface {
	Retain(ctx context.Context, day booking.Date, now time.Time, r booking.Retention) (booking.Purged, bool, error)
}

// Releaser ends the holds of cancelled bookings that ran out by now;
// *postgres.Jobs implements it.
type Releaser interface {
	ReleaseHolds(ctx context.Context, now time.Time) (int64, error)
}

// Waitlist is the waiting list's job, run every tick: offers that ran out
// end (each once, whichever replica gets it) and free places go to the
// next citizens in line; *booking.Office implements it.
type Waitlist interface {
	SweepWaitlist(ctx context.Context) (expired, offered int, err error)
}

// Config configures the scheduler. Zero fields take the defaults.
type Config struct {
	Catalog *booking.Catalog
	// At is the local time of the roster; 07:30 by default.
	At booking.Clock
	// Until is the latest local time a missed roster is still sent after a
	// restart; 13:00 by default. Later, nobody needs that morning's roster.
	// An Until not after At is taken as the end of the day.
	Until booking.Clock
	// Retainer runs the retention; nil: no retention run.
	Retainer Retainer
	// Retention is what the run keeps; zero fields take
	// booking.DefaultRetention's.
	Retention booking.Retention
	// RetainAt is the local time from which the day's retention run is
	// due (it runs once, at the first tick after, until midnight); 03:00
	// by default, when nobody books.
	RetainAt booking.Clock
	// Holds ends the holds that ran out, every tick; nil: not done here
	// (a booking that wants the place still ends its hold).
	Holds Releaser
	// Waitlist runs the waiting list's job every tick, after the holds
	// are released (so a released place is offered on the same tick);
	// nil: not done here.
	Waitlist Waitlist
	Now      func() time.Time
	Tick     time.Duration // default 30 s
	Logger   *slog.Logger
}

// Scheduler queues the daily rosters.
type Scheduler struct {
	cfg  Config
	jobs Claimer
	loc  *time.Location
}

// New returns a scheduler that claims through jobs.
func New(cfg Config, jobs Claimer) *Scheduler {
	if cfg.At == 0 {
		cfg.At = 7*60 + 30
	}
	if cfg.Until == 0 {
		cfg.Until = 13 * 60
	}
	if cfg.Until <= cfg.At {
		// A roster set for 13:30 (ROSTER_TIME is any time of day) would
		// otherwise never be sent: the window it is due in is empty.
		cfg.Until = 24 * 60
	}
	if cfg.RetainAt == 0 {
		cfg.RetainAt = 3 * 60
	}
	d := booking.DefaultRetention
	for _, p := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&cfg.Retention.Bookings, d.Bookings}, {&cfg.Retention.Outbox, d.Outbox},
		{&cfg.Retention.RequestKeys, d.RequestKeys}, {&cfg.Retention.Audit, d.Audit},
	} {
		if *p.v <= 0 {
			*p.v = p.def
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	loc := cfg.Catalog.Location
	if loc == nil {
		loc = time.UTC
	}
	return &Scheduler{cfg: cfg, jobs: jobs, loc: loc}
}

// JobName is the job_runs name of dept's roster.
func JobName(dept string) string { return "roster:" + dept }

// Run checks every tick until ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		if _, err := s.RunDue(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("schedule: rosters", slog.Any("err", err))
		}
		if _, _, err := s.RunRetention(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("schedule: retention", slog.Any("err", err))
		}
		if s.cfg.Holds != nil {
			if _, err := s.cfg.Holds.ReleaseHolds(ctx, s.cfg.Now()); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Error("schedule: release holds", slog.Any("err", err))
			}
		}
		if s.cfg.Waitlist != nil {
			if expired, offered, err := s.cfg.Waitlist.SweepWaitlist(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Error("schedule: waiting list", slog.Any("err", err))
			} else if expired+offered > 0 {
				s.cfg.Logger.Info("waiting list", slog.Int("expired", expired), slog.Int("offered", offered))
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunDue queues every roster that is due now and not yet claimed, and
// returns the departments whose roster this call queued. A department with
// no Slack channel, or that never opens on this weekday (weekends), gets
// none; a department closed by a holiday or closure gets its short "closed
// today" roster, so staff know the system saw it.
func (s *Scheduler) RunDue(ctx context.Context) ([]string, error) {
	now := s.cfg.Now().In(s.loc)
	day := booking.DateOf(now, s.loc)
	clock := booking.Clock(now.Hour()*60 + now.Minute())
	if clock < s.cfg.At || clock >= s.cfg.Until {
		return nil, nil
	}
	var queued []string
	for _, d := range s.cfg.Catalog.Departments {
		if d.Slack.Channel == "" || len(d.Hours[day.Weekday()]) == 0 {
			continue
		}
		won, err := s.jobs.Claim(ctx, JobName(d.Code), day, []booking.Notification{booking.RosterNotification(d.Code, day)})
		if err != nil {
			return queued, err
		}
		if won {
			queued = append(queued, d.Code)
			s.cfg.Logger.Info("roster queued", slog.String("department", d.Code), slog.String("day", day.String()))
		}
	}
	return queued, nil
}

// RunRetention runs the day's retention if it is due now and no replica
// has run it yet today, and reports whether this call ran it and what it
// erased.
func (s *Scheduler) RunRetention(ctx context.Context) (booking.Purged, bool, error) {
	if s.cfg.Retainer == nil {
		return booking.Purged{}, false, nil
	}
	now := s.cfg.Now().In(s.loc)
	if booking.Clock(now.Hour()*60+now.Minute()) < s.cfg.RetainAt {
		return booking.Purged{}, false, nil
	}
	day := booking.DateOf(now, s.loc)
	p, ran, err := s.cfg.Retainer.Retain(ctx, day, now, s.cfg.Retention)
	if err != nil || !ran {
		return p, false, err
	}
	s.cfg.Logger.Info("retention ran", slog.String("day", day.String()),
		slog.Int64("bookings", p.Bookings), slog.Int64("citizens", p.Citizens), slog.Int64("outbox", p.Outbox),
		slog.Int64("request_keys", p.RequestKeys), slog.Int64("audit", p.Audit))
	return p, true, nil
}
