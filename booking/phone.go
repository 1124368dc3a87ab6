package booking

// FormatPhone returns a phone number as people read it aloud, for showing
// to citizens and staff: a Greek number stored as +30 and ten digits becomes
// "+30 691 234 5678" (mobiles and landlines alike are grouped 3-3-4), and a
// bare ten-digit Greek number, as the catalog lists the departments' own,
// becomes "231 331 7777". Anything else (a foreign number, something odd) is
// returned as it is. It only ever inserts spaces, so the stored form is what
// remains when they are taken out again; storage and look-ups keep using
// the stored form.
func FormatPhone(stored string) string {
	switch {
	case len(stored) == 13 && stored[:3] == "+30" && allDigits(stored[3:]) && greekNational(stored[3:]):
		return "+30 " + group334(stored[3:])
	case len(stored) == 10 && allDigits(stored) && greekNational(stored):
		return group334(stored)
	}
	return stored
}

// greekNational says whether ten digits are a Greek number: landlines start
// with 2, mobiles with 69 (the only ranges citizens can book with).
func greekNational(d string) bool {
	return d[0] == '2' || d[:2] == "69"
}

// group334 spaces ten digits as 3-3-4.
func group334(d string) string {
	return d[:3] + " " + d[3:6] + " " + d[6:]
}
