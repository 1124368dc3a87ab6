package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/rantevou/rantevou/booking"
)

func init() {
	commands["slots"] = command{
		summary: "-department CODE -date YYYY-MM-DD [-service CODE]: print a day's free start times",
		run:     runSlots,
	}
}

func runSlots(ctx context.Context, e cmdEnv, args []string) error {
	fs := flag.NewFlagSet("slots", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dept := fs.String("department", "", "department code")
	date := fs.String("date", "", "day, YYYY-MM-DD (local)")
	service := fs.String("service", "", "service code (default: any service of the department)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *dept == "" || *date == "" || fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, "usage: rantevou slots -department CODE -date YYYY-MM-DD [-service CODE]")
		return errUsage
	}
	d, err := booking.ParseDate(*date)
	if err != nil {
		return err
	}
	db, err := databaseFromEnv(ctx, e)
	if err != nil {
		return err
	}
	defer db.pool.Close()
	office := booking.NewOffice(db.catalog, db.store, e.now)

	var day booking.Day
	if *service != "" {
		svc, ok := db.catalog.Service(*service)
		if !ok {
			return booking.Errorf(booking.ENotFound, "unknown service %q", *service)
		}
		if svc.Department != *dept {
			return booking.Errorf(booking.EInvalid, "service %q belongs to department %q, not %q", *service, svc.Department, *dept)
		}
		day, err = office.FreeSlots(ctx, *service, d)
	} else {
		day, err = office.DepartmentSlots(ctx, *dept, d)
	}
	if err != nil {
		return err
	}
	return printDay(e, day, db.catalog, office.Calendar(), e.now())
}

// printDay writes one HH:MM line per free start, or why there is none: the
// day is closed, has passed, lies beyond the horizon, has no time left
// after the minimum notice, or is fully booked.
func printDay(e cmdEnv, day booking.Day, c *booking.Catalog, cal *booking.Calendar, now time.Time) error {
	loc := c.Location
	if day.Closed {
		reason := day.Reason.In(booking.Greek)
		if en := day.Reason.In(booking.English); en != reason {
			reason += " / " + en
		}
		_, err := fmt.Fprintf(e.stdout, "closed: %s\n", reason)
		return err
	}
	if len(day.Slots) == 0 {
		today := booking.DateOf(now, loc)
		earliest, latest := cal.Window(now)
		last := booking.DateOf(latest.Add(-time.Minute), loc)
		var why string
		switch {
		case day.Date.Before(today):
			why = fmt.Sprintf("past: %s has passed (today is %s)", day.Date, today)
		case last.Before(day.Date):
			why = fmt.Sprintf("beyond the horizon: bookings open %d days ahead, until %s", c.Horizon, last)
		case day.Date == booking.DateOf(earliest, loc) || day.Date == today:
			why = fmt.Sprintf("full: no free slots from %s on (min_notice %s)", earliest.In(loc).Format("15:04"),
				strings.TrimSuffix(strings.TrimSuffix(c.MinNotice.String(), "0s"), "0m"))
		default:
			why = "full: every slot is booked"
		}
		_, err := fmt.Fprintln(e.stdout, why)
		return err
	}
	for _, s := range day.Slots {
		if _, err := fmt.Fprintln(e.stdout, s.Start.In(loc).Format("15:04")); err != nil {
			return err
		}
	}
	return nil
}
