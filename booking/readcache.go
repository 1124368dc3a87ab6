package booking

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// WithReadCache returns store with its two calendar reads, Busy and
// Closures, kept for ttl per department and range. At 09:00 on a Monday
// hundreds of citizens look at the same week of the same department, and
// each screen of theirs would otherwise cost two PostgreSQL round trips;
// concurrent misses of one key share one query.
//
// What the cache may get wrong is only what a citizen is shown: every
// booking is still decided by the store's insert under the exclusion
// constraint, and a time that was taken meanwhile is answered "just taken"
// with fresh times. Every change made through the returned store is
// reflected in the cached reads of its department at once, so this replica
// never shows its own citizens a slot it has just given away; a change made
// by another replica is seen within ttl. A booking, move or cancellation
// changes only the Busy reads: closures are not changed by it, and the
// Closures read every booking makes first then stays cached under a stream
// of bookings. A new booking is added to the cached Busy reads, a
// cancellation taken out of them and a move both (added, removed), rather
// than dropping them; a change the store refused keeps them, with the
// times it found taken marked so (refused). At 200 citizens at once double taps,
// moves and times just taken had dropped each department's reads several
// times a second, so that most calendar screens still went to PostgreSQL.
// A ttl of 0 returns store unchanged.
func WithReadCache(store Store, ttl time.Duration) Store {
	if ttl <= 0 {
		return store
	}
	return &readCache{Store: store, ttl: ttl, gen: map[genKey]uint64{}, entries: map[genKey]map[readRange]cacheEntry{}, edits: map[genKey][]edit{}}
}

type readCache struct {
	Store
	ttl time.Duration

	mu     sync.Mutex
	gen    map[genKey]uint64 // per read and department, bumped by every change to it
	edits  map[genKey][]edit // the latest patches of the Busy reads, for loads in flight (replay)
	flight singleflight.Group
	// entries holds the cached reads per read and department, which is
	// what every booking's change walks: walking every department's
	// reads, expired ones included, was a twentieth of the server's CPU
	// at 200 citizens.
	entries map[genKey]map[readRange]cacheEntry
}

type cacheKey struct {
	genKey
	readRange
}

// genKey names what a change invalidates: one kind of read of one department.
type genKey struct {
	kind byte // 'b' Busy, 'c' Closures
	dept string
}

// readRange is the range of one read: Unix nanoseconds, or days for Closures.
type readRange struct{ from, to int64 }

// edit is one patch of a department's Busy reads: the generation it made,
// the interval it changed and how (fn nil: no change).
type edit struct {
	gen uint64
	iv  Interval
	fn  func([]Interval) []Interval
}

// maxEdits bounds the patches kept per department for replay: a load
// takes milliseconds, during which a busy department takes a few.
const maxEdits = 32

type cacheEntry struct {
	gen     uint64
	expires time.Time
	value   any
	// refused are the times a refusal marked taken in this read
	// (taken): a read overlapping one is loaded, not cut out of this one.
	refused []readRange
}

// maxCacheEntries bounds the entries of one read of one department: the
// ranges citizens look at are few (the days and weeks of the horizon, and
// the horizon), so reaching it means something asks for odd ranges.
const maxCacheEntries = 1024

func (c *readCache) Busy(ctx context.Context, department string, from, to time.Time) ([]Interval, error) {
	k := cacheKey{genKey{'b', department}, readRange{from.UnixNano(), to.UnixNano()}}
	v, err := c.read(ctx, k, func(ctx context.Context) (any, error) { return c.Store.Busy(ctx, department, from, to) })
	out, _ := v.([]Interval)
	return out, err
}

func (c *readCache) Closures(ctx context.Context, department string, from, to Date) ([]Closure, error) {
	k := cacheKey{genKey{'c', department}, readRange{dateKey(from), dateKey(to)}}
	v, err := c.read(ctx, k, func(ctx context.Context) (any, error) { return c.Store.Closures(ctx, department, from, to) })
	out, _ := v.([]Closure)
	return out, err
}

// read returns the cached value of k, or cuts it out of a cached read
// that covers its range (within), or loads it. A value loaded while the
// department's Busy reads were patched gets the patches made meanwhile
// (replay) and is kept; one loaded while they were dropped is returned
// but not kept. Callers must not modify what they get: it is shared.
func (c *readCache) read(ctx context.Context, k cacheKey, load func(context.Context) (any, error)) (any, error) {
	now := time.Now()
	c.mu.Lock()
	gk := k.genKey
	gen, known := c.gen[gk]
	if e, ok := c.entries[gk][k.readRange]; ok && e.gen == gen && now.Before(e.expires) {
		c.mu.Unlock()
		return e.value, nil
	}
	if v, ok := c.within(k, gen, now); ok {
		c.mu.Unlock()
		return v, nil
	}
	if !known {
		c.gen[gk] = 0 // so that a drop of every department bumps it under this load
	}
	c.mu.Unlock()
	flightKey := fmt.Sprintf("%c|%s|%d|%d|%d", k.kind, k.dept, k.from, k.to, gen)
	v, err, _ := c.flight.Do(flightKey, func() (any, error) {
		// Detached: one caller giving up must not fail the others.
		v, err := load(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		at := gen
		if cur := c.gen[gk]; cur != gen {
			replayed, ok := c.replay(k, gen, cur, v)
			if !ok {
				return v, nil
			}
			v, at = replayed, cur
		}
		m := c.entries[gk]
		if m == nil {
			m = map[readRange]cacheEntry{}
			c.entries[gk] = m
		}
		if len(m) >= maxCacheEntries {
			sweep(m, at, now)
			if len(m) >= maxCacheEntries {
				clear(m)
			}
		}
		m[k.readRange] = cacheEntry{gen: at, expires: now.Add(c.ttl), value: v}
		return v, nil
	})
	return v, err
}

// within answers k out of the narrowest read of its department cached
// at generation gen that covers k's range and has not expired at now:
// what PostgreSQL would answer for k from the same rows, the intervals or
// closures overlapping k's range, in the same order. The answer is kept
// as k's own entry, until the covering read expires. A citizen taps a day
// of the week they were just shown, or types a date of it: at 200
// citizens the reads of one day were three in four of the calendar reads
// that went to PostgreSQL, each one's own key, while the week around it
// was cached. A read overlapping a time a refusal marked taken in the
// covering read is not answered from it (taken). Called with c.mu held.
func (c *readCache) within(k cacheKey, gen uint64, now time.Time) (any, bool) {
	m := c.entries[k.genKey]
	var cover cacheEntry
	width := int64(-1)
	for rr, e := range m {
		if e.gen != gen || !now.Before(e.expires) || rr.from > k.from || rr.to < k.to || (width >= 0 && rr.to-rr.from >= width) {
			continue
		}
		if slices.ContainsFunc(e.refused, func(t readRange) bool { return t.from < k.to && k.from < t.to }) {
			continue
		}
		cover, width = e, rr.to-rr.from
	}
	if width < 0 {
		return nil, false
	}
	var v any
	switch all := cover.value.(type) {
	case []Interval:
		out := make([]Interval, 0, len(all))
		for _, iv := range all {
			if iv.Start.UnixNano() < k.to && k.from < iv.End.UnixNano() {
				out = append(out, iv)
			}
		}
		v = out
	case []Closure:
		var out []Closure
		for _, cl := range all {
			if dateKey(cl.From) <= k.to && dateKey(cl.To) >= k.from {
				out = append(out, cl)
			}
		}
		v = out
	default:
		return nil, false
	}
	if len(m) < maxCacheEntries {
		m[k.readRange] = cacheEntry{gen: gen, expires: cover.expires, value: v}
	}
	return v, true
}

// replay applies to v, a Busy read of k loaded at generation gen, the
// patches made since, up to cur, in order; ok false when they are not all
// known (a drop came between, or more than maxEdits). Under a stream of
// bookings a department's busy times change every few tens of
// milliseconds, and without it no load would be kept. The load may
// already hold a change whose patch came after it started (its snapshot
// was taken after the commit): adding is then a no-op (added skips an
// interval already there: two on one desk cannot overlap), and taking out
// takes out one, the same. Called with c.mu held.
func (c *readCache) replay(k cacheKey, gen, cur uint64, v any) (any, bool) {
	busy, isBusy := v.([]Interval)
	log := c.edits[k.genKey]
	if !isBusy || len(log) == 0 || log[len(log)-1].gen != cur {
		return nil, false
	}
	i := len(log) - int(cur-gen)
	if i < 0 || log[i].gen != gen+1 {
		return nil, false
	}
	for _, e := range log[i:] {
		if e.fn != nil && e.iv.Start.UnixNano() < k.to && k.from < e.iv.End.UnixNano() {
			busy = e.fn(busy)
		}
	}
	return busy, true
}

// changed drops the Busy reads cached for department ("" for all of
// them): its bookings changed, not its closures.
func (c *readCache) changed(department string) { c.drop(department, 'b') }

// drop drops the reads of the given kinds cached for department ("" for
// every department).
func (c *readCache) drop(department string, kinds ...byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if department == "" {
		for gk := range c.gen {
			if slices.Contains(kinds, gk.kind) {
				c.gen[gk]++
				delete(c.edits, gk)
				delete(c.entries, gk)
			}
		}
		return
	}
	for _, kind := range kinds {
		gk := genKey{kind, department}
		c.gen[gk]++
		delete(c.edits, gk)
		delete(c.entries, gk)
	}
}

// sweep deletes from m the entries that are not of generation gen or
// have expired at now.
func sweep(m map[readRange]cacheEntry, gen uint64, now time.Time) {
	for rr, e := range m {
		if e.gen != gen || !now.Before(e.expires) {
			delete(m, rr)
		}
	}
}

func (c *readCache) Insert(ctx context.Context, nb NewBooking) (Booking, bool, error) {
	nb.Desks = c.knownFreeFirst(nb.Department, nb.Desks, nb.Start, nb.End, Interval{})
	b, created, err := c.Store.Insert(ctx, nb)
	switch {
	case err == nil && created && b.Department == nb.Department:
		c.added(b.Department, Interval{Desk: b.Desk, Start: b.Start, End: b.End})
	case err == nil:
		// A repeated request (a double tap, a redelivery) got the booking
		// its first run made, which changed the cache then.
	default:
		c.refused(nb.Department, Interval{Start: nb.Start, End: nb.End}, nb.Desks, err)
	}
	return b, created, err
}

// refused is what a change the store refused (err) tells the cache about
// department. Nothing changed, so most refusals (a limit, a twin, a bad
// request) keep every read. A time found taken on every desk tried (iv,
// desks) is marked so (taken). A closure the cache did not know drops the
// department's reads. An internal error leaves unknown whether the change
// was made (a commit whose answer was lost): the department's busy times
// are dropped, or every department's when it is not known ("").
func (c *readCache) refused(department string, iv Interval, desks []string, err error) {
	switch ErrorCode(err) {
	case ESlotTaken:
		c.taken(department, iv, desks)
	case EClosed:
		c.drop(department, 'b', 'c')
	case EInternal:
		c.changed(department)
	}
}

// dayRead is the longest range of a cached read that taken drops: a day's
// (23 to 25 hours, by the clock changes).
const dayRead = 25 * time.Hour

// taken is a time iv that the store found taken on every one of desks.
// The reads of at most a day that overlap it are dropped: the citizen is
// shown that day's times next, which are then read fresh, with whatever
// else another replica booked that day. The longer ones (a week, the
// whole horizon for the first free time) are patched instead, iv marked
// busy on each desk they show free then: they are what every citizen's
// next calendar screen or search for a free time reads, and at a busy
// hour two citizens choosing one time refuse one of them several times a
// second, each refusal read again the department's whole horizon. What
// they may still show free of another replica's bookings is seen within
// the ttl, as before. They note iv as refused, so that the day dropped is
// read fresh, not cut out of them (within).
func (c *readCache) taken(department string, iv Interval, desks []string) {
	from, to := iv.Start.UnixNano(), iv.End.UnixNano()
	desks = slices.Clone(desks) // kept for replay, after the caller is done with it
	mark := func(busy []Interval) []Interval {
		taken := busyDesks(busy, from, to, Interval{})
		var marks []Interval
		for _, d := range desks {
			if !taken[d] {
				marks = append(marks, Interval{Desk: d, Start: iv.Start, End: iv.End})
			}
		}
		if marks == nil {
			return busy
		}
		return insertByStart(busy, marks...)
	}
	c.patchDropping(department, iv, mark, dayRead)
}

// knownFreeFirst returns desks with those the cached Busy reads show taken
// over [start, end) moved to the end, in their order otherwise. The store
// books the first free desk of the list, one attempt (a transaction) per
// desk, so a booking at a time whose first desks are long taken would
// otherwise pay for an attempt on each of them first. A stale read only
// changes the order: every desk is still tried, and the store decides.
// Only reads cached already are used, and only one covering the whole
// range (the narrowest): nothing is loaded for this. A move's own place
// (own) is not counted against its desk: the move does not overlap itself.
func (c *readCache) knownFreeFirst(department string, desks []string, start, end time.Time, own Interval) []string {
	if len(desks) < 2 {
		return desks
	}
	from, to := start.UnixNano(), end.UnixNano()
	now := time.Now()
	c.mu.Lock()
	gk := genKey{'b', department}
	gen := c.gen[gk]
	var busy []Interval
	found := false
	var width int64
	for rr, e := range c.entries[gk] {
		if e.gen != gen || !now.Before(e.expires) || rr.from > from || rr.to < to {
			continue
		}
		if !found || rr.to-rr.from < width {
			busy, _ = e.value.([]Interval)
			found, width = true, rr.to-rr.from
		}
	}
	c.mu.Unlock()
	if !found {
		return desks
	}
	taken := busyDesks(busy, from, to, own)
	if len(taken) == 0 {
		return desks
	}
	out := make([]string, 0, len(desks))
	for _, d := range desks {
		if !taken[d] {
			out = append(out, d)
		}
	}
	for _, d := range desks {
		if taken[d] {
			out = append(out, d)
		}
	}
	return out
}

// busyDesks returns the desks that busy shows taken at some moment of
// [from, to) (Unix nanoseconds) by an interval other than own, nil for
// none.
func busyDesks(busy []Interval, from, to int64, own Interval) map[string]bool {
	var taken map[string]bool
	for _, iv := range busy {
		if iv.Start.UnixNano() < to && from < iv.End.UnixNano() &&
			(iv.Desk != own.Desk || !iv.Start.Equal(own.Start) || !iv.End.Equal(own.End)) {
			if taken == nil {
				taken = map[string]bool{}
			}
			taken[iv.Desk] = true
		}
	}
	return taken
}

// added adds a new booking's interval to the department's cached Busy
// reads that it overlaps, instead of dropping them: at 09:00 on a Monday
// a department takes a booking every few tens of milliseconds, and each
// one sent the next calendar screen of every citizen to PostgreSQL again.
// A booking only adds a busy interval (the holds it may release lie
// under it, on its desk: what stays cached of them until the entry
// expires only hides a time, as any stale entry does). An interval the
// read holds already (a load that saw the booking) is not added twice.
func (c *readCache) added(department string, iv Interval) {
	c.patch(department, iv, func(busy []Interval) []Interval {
		for _, b := range busy {
			if b.Desk == iv.Desk && b.Start.Equal(iv.Start) && b.End.Equal(iv.End) {
				return busy
			}
		}
		return insertByStart(busy, iv)
	})
}

// insertByStart returns a new slice of busy with ivs, which start at one
// time, put where that start keeps busy in order of start: the order the
// store reads them in, which spares busyByDesk a sort of every screen's
// busy times once the calendar fills. Out of order, busy only costs that
// sort; the result holds the same intervals either way.
func insertByStart(busy []Interval, ivs ...Interval) []Interval {
	at, _ := slices.BinarySearchFunc(busy, ivs[0].Start, func(b Interval, t time.Time) int {
		if b.Start.After(t) {
			return 1
		}
		return -1
	})
	out := make([]Interval, 0, len(busy)+len(ivs))
	out = append(out, busy[:at]...)
	out = append(out, ivs...)
	return append(out, busy[at:]...)
}

// patch replaces, with fn's result, the department's cached Busy reads
// that overlap iv, keeps the others, and bumps the generation, keeping the
// patch for the loads in flight (replay); fn nil keeps every entry as it
// is. fn must return a new slice, or its argument unchanged: the old one
// is shared with callers.
func (c *readCache) patch(department string, iv Interval, fn func([]Interval) []Interval) {
	c.patchDropping(department, iv, fn, 0)
}

// patchDropping is patch, but the reads overlapping iv whose range is at
// most drop long are dropped instead of patched. The department's expired
// reads go too: every change walks them.
func (c *readCache) patchDropping(department string, iv Interval, fn func([]Interval) []Interval, drop time.Duration) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	gk := genKey{'b', department}
	old := c.gen[gk]
	c.gen[gk] = old + 1
	log := append(c.edits[gk], edit{gen: old + 1, iv: iv, fn: fn})
	if len(log) > maxEdits {
		log = append(log[:0:0], log[len(log)-maxEdits:]...)
	}
	c.edits[gk] = log
	from, to := iv.Start.UnixNano(), iv.End.UnixNano()
	m := c.entries[gk]
	for rr, e := range m {
		if e.gen != old || !now.Before(e.expires) {
			delete(m, rr)
			continue
		}
		if fn != nil && from < rr.to && rr.from < to {
			if rr.to-rr.from <= int64(drop) {
				delete(m, rr)
				continue
			}
			busy, _ := e.value.([]Interval)
			e.value = fn(busy)
			if drop > 0 {
				// What the dropped reads are read again for must not be
				// cut out of this one instead (within).
				e.refused = append(slices.Clip(e.refused), readRange{from, to})
			}
		}
		e.gen = old + 1
		m[rr] = e
	}
}

func (c *readCache) Move(ctx context.Context, m Move) (Booking, error) {
	// As a booking's: the store tries the desks in order, an attempt (a
	// transaction of four statements) each, and at a busy hour the first
	// desk of the catalog is the one most often taken.
	m.Desks = c.knownFreeFirst(m.Department, m.Desks, m.Start, m.End, m.From)
	b, err := c.Store.Move(ctx, m)
	switch {
	case err == nil && b.Department == m.Department && m.Department != "":
		// The old place taken out, the new one added: a stream of moves
		// keeps the department's reads cached, as bookings do.
		c.removed(b.Department, m.From, false)
		c.added(b.Department, Interval{Desk: b.Desk, Start: b.Start, End: b.End})
	case err == nil:
		c.changed(b.Department)
	default:
		c.refused(m.Department, Interval{Start: m.Start, End: m.End}, m.Desks, err)
	}
	return b, err
}

func (c *readCache) Cancel(ctx context.Context, cl Cancel) (Booking, error) {
	b, err := c.Store.Cancel(ctx, cl)
	switch {
	case err == nil && b.Department != "":
		c.removed(b.Department, Interval{Desk: b.Desk, Start: b.Start, End: b.End}, !cl.HoldUntil.IsZero())
	case err == nil:
		c.changed("")
	case ErrorCode(err) == EInternal:
		c.changed("") // unknown whether it was cancelled, nor where
	}
	// Refused otherwise (not found, cancelled already, too late): nothing
	// changed.
	return b, err
}

// removed takes a cancelled booking's interval out of the department's
// cached Busy reads, instead of dropping them: with citizens cancelling
// every few tens of milliseconds, each cancellation sent the
// next calendar screen of every citizen of the department to PostgreSQL
// again. A cancellation that holds the place (held) keeps its row in the
// Busy read (held_until is set) and changes no cached read. Loads in
// flight when it was made are not kept, as after any change.
func (c *readCache) removed(department string, iv Interval, held bool) {
	if held {
		c.patch(department, iv, nil)
		return
	}
	c.patch(department, iv, func(busy []Interval) []Interval {
		kept := make([]Interval, 0, len(busy))
		gone := false
		for _, b := range busy {
			if !gone && b.Desk == iv.Desk && b.Start.Equal(iv.Start) && b.End.Equal(iv.End) {
				gone = true
				continue
			}
			kept = append(kept, b)
		}
		return kept
	})
}

func (c *readCache) SetStatus(ctx context.Context, ref string, s Status, a Actor) (Booking, error) {
	b, err := c.Store.SetStatus(ctx, ref, s, a)
	c.changed(b.Department)
	return b, err
}

func (c *readCache) AddClosure(ctx context.Context, cl NewClosure) ([]Booking, error) {
	defer c.drop(cl.Closure.Department, 'b', 'c')
	return c.Store.AddClosure(ctx, cl)
}

func (c *readCache) CloseAndCancel(ctx context.Context, cl Closing) ([]Booking, error) {
	defer c.drop(cl.Closure.Department, 'b', 'c')
	return c.Store.CloseAndCancel(ctx, cl)
}

func dateKey(d Date) int64 { return int64(d.Year)*10000 + int64(d.Month)*100 + int64(d.Day) }
