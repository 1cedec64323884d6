package print

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"rms/store"
)

// Render turns a job's document into the ESC/POS bytes of one print on
// paper width characters wide. repeat marks a job an earlier attempt may
// have printed (partly or whole): it says so at the top, so nobody cooks
// a dish twice without looking.
func Render(doc store.PrintDoc, width int, repeat bool) ([]byte, error) {
	if width < 24 {
		width = 24
	}
	e := NewEncoder()
	var err error
	switch doc.Kind {
	case store.JobKitchen:
		err = kitchenTicket(e, doc, width, repeat)
	case store.JobBill, store.JobReceipt:
		err = bill(e, doc, width, repeat)
	case store.JobTest:
		err = testPage(e, doc, width)
	default:
		err = fmt.Errorf("print: unknown document kind %q", doc.Kind)
	}
	if err != nil {
		return nil, err
	}
	return e.Bytes(), nil
}

// repeatBanner heads a print that may have come out before.
const repeatBanner = "REPEAT: MAY BE A DUPLICATE"

func kitchenTicket(e *Encoder, doc store.PrintDoc, w int, repeat bool) error {
	o := doc.Order
	if o == nil {
		return errors.New("print: kitchen ticket without an order")
	}
	e.Align(AlignCenter)
	switch doc.Variant {
	case store.TicketCancelled:
		e.Reverse(true).Bold(true).Size(2, 2)
		e.Line(" CANCELLED ")
		e.Size(1, 1).Bold(false).Reverse(false)
	case store.TicketVoid:
		e.Reverse(true).Bold(true).Size(2, 2)
		e.Line(" VOID ")
		e.Size(1, 1).Bold(false).Reverse(false)
		e.Line("Stop: do not make these")
	case store.TicketReprint:
		e.Reverse(true).Bold(true).Line(" REPRINT ").Bold(false).Reverse(false)
	}
	if repeat {
		e.Bold(true).Line(repeatBanner).Bold(false)
	}
	// The table's name big, so it reads from across the pass.
	e.Bold(true).Size(2, 2)
	for _, l := range wrap(doc.Table, w/2, 0) {
		e.Line(l)
	}
	e.Size(1, 2).Line(doc.At.In(doc.Settings.Location()).Format("15:04"))
	e.Size(1, 1).Bold(false)
	station := "all stations"
	if doc.Station != "" {
		station = strings.ToUpper(doc.Station)
	}
	e.Line(fmt.Sprintf("Order %d - %s", o.ID, station))
	e.Align(AlignLeft).Line(rule(w, '='))
	course := int64(-1)
	for _, it := range byCourse(o.Items) {
		if c := courseOf(it); c != course && (c != 0 || course != -1) {
			// Each course under its own heading, as the kitchen fires them.
			e.Bold(true).Line(courseHeading(c, doc.Settings.Courses, w)).Bold(false)
		}
		course = courseOf(it)
		qty := fmt.Sprintf("%d x ", it.Quantity)
		e.Bold(true).Size(1, 2)
		for i, l := range wrap(it.Name, w-len(qty), 0) {
			if i == 0 {
				e.Line(qty + l)
			} else {
				e.Line(strings.Repeat(" ", len(qty)) + l)
			}
		}
		e.Size(1, 1).Bold(false)
		pad := strings.Repeat(" ", len(qty))
		for _, m := range it.Modifiers {
			text := "+ " + m.Name
			if m.Group != "" {
				text = "+ " + m.Group + ": " + m.Name
			}
			if m.Allergy {
				// An allergy choice must not be missed at the pass.
				e.Bold(true).Reverse(true)
				for _, l := range wrap("ALLERGY "+text, w-len(qty), 2) {
					e.Line(pad + l)
				}
				e.Reverse(false).Bold(false)
				continue
			}
			e.Bold(true)
			for _, l := range wrap(text, w-len(qty), 2) {
				e.Line(pad + l)
			}
			e.Bold(false)
		}
		if it.Seat != nil {
			e.Line(strings.Repeat(" ", len(qty)) + fmt.Sprintf("seat %d", *it.Seat))
		}
		if it.Comped {
			e.Line(strings.Repeat(" ", len(qty)) + "(on the house)")
		}
		if it.Notes != "" {
			for _, l := range wrap("NOTE: "+it.Notes, w-len(qty), len("NOTE: ")) {
				e.Line(strings.Repeat(" ", len(qty)) + l)
			}
		}
		if a := doc.Allergens[it.MenuItemID]; len(a) > 0 {
			e.Bold(true)
			for _, l := range wrap("ALLERGENS: "+strings.Join(a, ", "), w-len(qty), len("ALLERGENS: ")) {
				e.Line(strings.Repeat(" ", len(qty)) + l)
			}
			e.Bold(false)
		}
	}
	e.Line(rule(w, '='))
	if o.Notes != "" {
		e.Bold(true)
		for _, l := range wrap("ORDER NOTE: "+o.Notes, w, 2) {
			e.Line(l)
		}
		e.Bold(false)
	}
	e.Feed(2).Cut()
	return nil
}

func bill(e *Encoder, doc store.PrintDoc, w int, repeat bool) error {
	b := doc.Bill
	if b == nil {
		return errors.New("print: bill without a bill")
	}
	st := doc.Settings
	e.Align(AlignCenter)
	if repeat {
		e.Bold(true).Line(repeatBanner).Bold(false)
	}
	e.Bold(true).Size(1, 2)
	for _, l := range wrap(st.RestaurantName, w, 0) {
		e.Line(l)
	}
	e.Size(1, 1)
	if doc.Kind == store.JobReceipt {
		e.Line("RECEIPT")
	} else {
		e.Line("BILL")
	}
	e.Bold(false).Align(AlignLeft)
	for _, l := range columns("Table "+doc.Table, doc.At.In(st.Location()).Format("2006-01-02 15:04"), w) {
		e.Line(l)
	}
	e.Line(rule(w, '-'))
	for _, o := range b.Orders {
		for _, it := range o.Items {
			if it.Quantity == 0 {
				continue // voided whole: listed below
			}
			amount := money(it.Quantity*it.UnitPriceCents, st.Currency)
			if it.Comped {
				amount = money(0, st.Currency)
			}
			for _, l := range columns(fmt.Sprintf("%d x %s", it.Quantity, it.Name), amount, w) {
				e.Line(l)
			}
			for _, m := range it.Modifiers {
				delta := ""
				if m.PriceDeltaCents != 0 && !it.Comped {
					delta = money(m.PriceDeltaCents, st.Currency)
					if m.PriceDeltaCents > 0 {
						delta = "+" + delta
					}
				}
				for _, l := range columns("    + "+m.Name, delta, w) {
					e.Line(strings.TrimRight(l, " "))
				}
			}
			if it.Quantity > 1 && !it.Comped {
				e.Line("    @ " + money(it.UnitPriceCents, st.Currency))
			}
			if it.Comped {
				reason := ""
				if it.CompReason != nil {
					reason = ": " + *it.CompReason
				}
				for _, l := range wrap("    on the house"+reason, w, 6) {
					e.Line(l)
				}
			}
			if it.Paid && doc.Kind == store.JobBill {
				e.Line("    (paid)")
			}
		}
	}
	var voids []store.Correction
	for _, c := range b.Corrections {
		if c.Kind == "void" {
			voids = append(voids, c)
		}
	}
	if len(voids) > 0 {
		e.Line("Not charged:")
		for _, c := range voids {
			for _, l := range columns(fmt.Sprintf("  VOID %d x %s", c.Quantity, c.Name), "("+money(c.AmountCents, st.Currency)+")", w) {
				e.Line(l)
			}
			if c.Reason != "" {
				for _, l := range wrap("    "+c.Reason, w, 4) {
					e.Line(l)
				}
			}
		}
	}
	e.Line(rule(w, '-'))
	if b.DiscountCents > 0 {
		for _, l := range columns("Subtotal", money(b.SubtotalCents, st.Currency), w) {
			e.Line(l)
		}
		for _, d := range b.Discounts {
			label := "Discount"
			if d.PercentBP != nil {
				label += " " + percent(*d.PercentBP)
			}
			if d.Reason != "" {
				label += " (" + d.Reason + ")"
			}
			for _, l := range columns(label, money(-d.AppliedCents, st.Currency), w) {
				e.Line(l)
			}
		}
	}
	rate := percent(st.TaxRateBP)
	if st.PricesIncludeTax {
		e.Bold(true).Size(1, 2)
		for _, l := range columns("TOTAL", money(b.TotalCents, st.Currency), w) {
			e.Line(l)
		}
		e.Size(1, 1).Bold(false)
		for _, l := range columns("incl. tax "+rate, money(b.TaxCents, st.Currency), w) {
			e.Line(l)
		}
		for _, l := range columns("Net", money(b.TotalCents-b.TaxCents, st.Currency), w) {
			e.Line(l)
		}
	} else {
		if b.DiscountCents > 0 {
			for _, l := range columns("After discount", money(b.SubtotalCents-b.DiscountCents, st.Currency), w) {
				e.Line(l)
			}
		} else {
			for _, l := range columns("Subtotal", money(b.SubtotalCents, st.Currency), w) {
				e.Line(l)
			}
		}
		for _, l := range columns("Tax "+rate, money(b.TaxCents, st.Currency), w) {
			e.Line(l)
		}
		e.Bold(true).Size(1, 2)
		for _, l := range columns("TOTAL", money(b.TotalCents, st.Currency), w) {
			e.Line(l)
		}
		e.Size(1, 1).Bold(false)
	}
	if len(doc.Payments) > 0 {
		e.Line(rule(w, '-'))
		var tips int64
		for _, p := range doc.Payments {
			for _, l := range columns("Paid by "+p.Method, money(p.AmountCents, st.Currency), w) {
				e.Line(l)
			}
			if p.TipCents > 0 {
				for _, l := range columns("  tip", money(p.TipCents, st.Currency), w) {
					e.Line(l)
				}
			}
			if p.TenderedCents > 0 {
				for _, l := range columns("  cash given", money(p.TenderedCents, st.Currency), w) {
					e.Line(l)
				}
				for _, l := range columns("  change", money(p.ChangeCents, st.Currency), w) {
					e.Line(l)
				}
			}
			tips += p.TipCents
		}
		if tips > 0 {
			for _, l := range columns("Total with tips", money(b.PaidCents+tips, st.Currency), w) {
				e.Line(l)
			}
		}
	}
	due := b.DueCents
	if doc.Kind == store.JobReceipt {
		due = 0
	}
	if doc.Kind == store.JobBill || due > 0 {
		e.Bold(true)
		for _, l := range columns("DUE", money(due, st.Currency), w) {
			e.Line(l)
		}
		e.Bold(false)
	}
	e.Align(AlignCenter).Feed(1)
	if doc.Kind == store.JobReceipt {
		e.Line("Thank you!")
	} else {
		e.Line("This is not a receipt")
	}
	e.Feed(2).Cut()
	return nil
}

func testPage(e *Encoder, doc store.PrintDoc, w int) error {
	p := doc.Printer
	if p == nil {
		return errors.New("print: test page without a printer")
	}
	e.Align(AlignCenter).Bold(true).Size(2, 2).Line("TEST PAGE").Size(1, 1).Bold(false)
	e.Line(doc.Settings.RestaurantName)
	e.Align(AlignLeft).Line(rule(w, '='))
	kind := p.Kind
	if p.Kind == store.PrinterKitchen {
		kind += ", station " + orAll(p.Station)
	}
	for _, kv := range [][2]string{
		{"Printer", p.Name}, {"Address", p.Address}, {"Kind", kind},
		{"Width", fmt.Sprintf("%d characters", p.WidthChars)},
		{"Time", doc.At.In(doc.Settings.Location()).Format("2006-01-02 15:04")},
	} {
		for _, l := range columns(kv[0], kv[1], w) {
			e.Line(l)
		}
	}
	e.Line(rule(w, '-'))
	// The last digit must sit at the right edge; if it wraps, the width is wrong.
	ruler := strings.Builder{}
	for i := 1; i <= w; i++ {
		ruler.WriteByte(byte('0' + i%10))
	}
	e.Line(ruler.String())
	e.Line("Currency: " + money(1250, doc.Settings.Currency) + "  € £ ¥")
	e.Line("Accents: àéîõü ÀÉÎÕÜ ñ ç ß")
	e.Bold(true).Line("Bold").Bold(false)
	e.Size(1, 2).Line("Tall").Size(2, 2).Line("Big").Size(1, 1)
	e.Line(rule(w, '='))
	e.Align(AlignCenter).Line("If you can read this, the printer works.")
	e.Feed(2).Cut()
	return nil
}

// courseOf is a line's course, 0 for none (it went at once).
func courseOf(it store.OrderItem) int64 {
	if it.Course == nil {
		return 0
	}
	return *it.Course
}

// byCourse orders lines by course, keeping their order within one.
func byCourse(items []store.OrderItem) []store.OrderItem {
	out := append([]store.OrderItem(nil), items...)
	sort.SliceStable(out, func(i, j int) bool { return courseOf(out[i]) < courseOf(out[j]) })
	return out
}

// courseHeading names a course from the settings: "-- 2: MAINS --".
func courseHeading(c int64, names []string, w int) string {
	name := "no course"
	if c > 0 {
		name = fmt.Sprintf("course %d", c)
		if int(c) <= len(names) && names[c-1] != "" {
			name = fmt.Sprintf("%d: %s", c, names[c-1])
		}
	}
	return truncateRunes("-- "+strings.ToUpper(name)+" --", w)
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

func orAll(station string) string {
	if station == "" {
		return "all"
	}
	return station
}

func rule(w int, c byte) string { return strings.Repeat(string(c), w) }

// wrap breaks s into lines of at most w characters at spaces (a word
// longer than a line is cut); lines after the first are indented by indent.
func wrap(s string, w, indent int) []string {
	s = strings.Join(strings.Fields(s), " ")
	if w < 1 {
		w = 1
	}
	if indent >= w {
		indent = 0
	}
	var out []string
	pad := ""
	for utf8.RuneCountInString(s) > w-len(pad) {
		r := []rune(s)
		limit := w - len(pad)
		cut := limit
		for i := limit; i > 0; i-- {
			if r[i] == ' ' {
				cut = i
				break
			}
		}
		out = append(out, pad+strings.TrimRight(string(r[:cut]), " "))
		s = strings.TrimLeft(string(r[cut:]), " ")
		pad = strings.Repeat(" ", indent)
	}
	if s != "" || len(out) == 0 {
		out = append(out, pad+s)
	}
	return out
}

// columns sets left and right on one line of width w, right flush; when
// they do not fit together, left wraps and right goes on its last line or
// a line of its own.
func columns(left, right string, w int) []string {
	rw := utf8.RuneCountInString(right)
	lines := wrap(left, w, 2)
	last := lines[len(lines)-1]
	if gap := w - utf8.RuneCountInString(last) - rw; gap >= 1 {
		lines[len(lines)-1] = last + strings.Repeat(" ", gap) + right
		return lines
	}
	return append(lines, strings.Repeat(" ", max(w-rw, 0))+right)
}

// percent writes basis points as a percentage: 1000 is "10%", 550 "5.5%".
func percent(bp int64) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// currencySymbols are the signs PC858 can print; other currencies print
// their ISO code.
var currencySymbols = map[string]string{"EUR": "€", "GBP": "£", "USD": "$", "JPY": "¥", "CNY": "¥"}

// minorDigits are the currencies whose minor unit is not a hundredth.
var minorDigits = map[string]int{
	"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "PYG": 0, "UGX": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "LYD": 3, "IQD": 3,
}

// money formats minor units in currency: "€12.50", "CHF 12.50", "-£3.00".
func money(cents int64, currency string) string {
	digits, ok := minorDigits[currency]
	if !ok {
		digits = 2
	}
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	num := fmt.Sprint(cents)
	if digits > 0 {
		unit := int64(1)
		for range digits {
			unit *= 10
		}
		num = fmt.Sprintf("%d.%0*d", cents/unit, digits, cents%unit)
	}
	if sym, ok := currencySymbols[currency]; ok {
		return sign + sym + num
	}
	return sign + currency + " " + num
}
