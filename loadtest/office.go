package loadtest

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"time"

	// Europe/Athens must load on a machine without zoneinfo, as in the
	// server.
	_ "time/tzdata"

	"github.com/rantevou/rantevou/booking"
)

// loadCatalog is the office the generator books against by default (see
// the file's comment for why it is not the built-in one).
//
//go:embed testdata/catalog.toml
var loadCatalog []byte

// office is what citizens need to know of the catalog the servers run: its
// time zone and how far ahead it books.
type office struct {
	loc     *time.Location
	horizon int
}

// today is the office's date now, at local midnight.
func (o office) today() time.Time {
	y, m, d := time.Now().In(o.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, o.loc)
}

// weekOf is the calendar week of day d as the bot numbers it: weeks after
// the one holding today, weeks starting on Monday.
func (o office) weekOf(d time.Time) int {
	t := o.today()
	monday := t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
	return daysBetween(monday, d) / 7
}

func daysBetween(a, b time.Time) int {
	ua := time.Date(a.Year(), a.Month(), a.Day(), 12, 0, 0, 0, time.UTC)
	ub := time.Date(b.Year(), b.Month(), b.Day(), 12, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Round(time.Hour).Hours()) / 24
}

// catalogFor resolves the -catalog setting: "" is the load catalog, written
// to dir for the servers; "builtin" is the servers' own; anything else a
// path. It returns the CATALOG_FILE to set ("" for none) and the office.
func catalogFor(setting, dir string) (string, office, error) {
	var (
		c    *booking.Catalog
		path string
		err  error
	)
	switch setting {
	case "":
		path = filepath.Join(dir, "catalog.toml")
		if err := os.WriteFile(path, loadCatalog, 0o644); err != nil {
			return "", office{}, fmt.Errorf("loadtest: write catalog: %w", err)
		}
		c, err = booking.ParseCatalog(loadCatalog)
	case "builtin":
		c = booking.DefaultCatalog()
	default:
		path, err = filepath.Abs(setting)
		if err == nil {
			c, err = booking.LoadCatalog(path)
		}
	}
	if err != nil {
		return "", office{}, fmt.Errorf("loadtest: catalog: %w", err)
	}
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	h := c.Horizon
	if h <= 0 {
		h = booking.DefaultHorizon
	}
	return path, office{loc: loc, horizon: h}, nil
}
