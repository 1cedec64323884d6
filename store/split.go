package store

import (
	"fmt"
	"sort"
)

// Paying a bill by item or by seat. A set of lines comes to its share of
// the subtotal, less the same share of the bill's discounts, plus tax on
// that (or tax included, as the settings say), rounded like a bill. The
// lines that finish the bill come to exactly what is still due, so the
// rounding of the parts never leaves a cent open or paid twice.

// maxPaymentLines bounds line_ids of one payment.
const maxPaymentLines = 500

// unpaidPriced tells whether a line still has something to pay.
func unpaidPriced(it OrderItem) bool {
	return it.live() && !it.Paid && it.Quantity*it.UnitPriceCents > 0
}

// linesAmount is what lines of b come to, tax included.
func linesAmount(b Bill, st Settings, lines []OrderItem) int64 {
	chosen := map[int64]bool{}
	var sub int64
	for _, it := range lines {
		chosen[it.ID] = true
		sub += it.Quantity * it.UnitPriceCents
	}
	finishes := true
	for _, o := range b.Orders {
		for _, it := range o.Items {
			if unpaidPriced(it) && !chosen[it.ID] {
				finishes = false
			}
		}
	}
	if finishes {
		return b.DueCents
	}
	share := sub
	if b.DiscountCents > 0 && b.SubtotalCents > 0 {
		share -= (b.DiscountCents*sub*2 + b.SubtotalCents) / (b.SubtotalCents * 2)
	}
	_, total := Tax(share, st)
	return total
}

// seatDues lists, per seat with unpaid lines, what paying them comes to.
func seatDues(b Bill, st Settings) []SeatDue {
	bySeat := map[int64][]OrderItem{}
	for _, o := range b.Orders {
		for _, it := range o.Items {
			if it.Seat != nil && it.live() && !it.Paid {
				bySeat[*it.Seat] = append(bySeat[*it.Seat], it)
			}
		}
	}
	out := []SeatDue{}
	for seat, lines := range bySeat {
		d := SeatDue{Seat: seat, AmountCents: linesAmount(b, st, lines)}
		for _, it := range lines {
			d.LineIDs = append(d.LineIDs, it.ID)
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seat < out[j].Seat })
	return out
}

func (c checker) paymentLines(in NewPayment) {
	if in.Seat != nil && len(in.LineIDs) > 0 {
		c.add("line_ids", "give line_ids or seat, not both")
	}
	if in.Seat != nil {
		c.between("seat", *in.Seat, 1, MaxSeat)
	}
	if len(in.LineIDs) > maxPaymentLines {
		c.add("line_ids", fmt.Sprintf("must list at most %d lines", maxPaymentLines))
	}
	seen := map[int64]bool{}
	for _, id := range in.LineIDs {
		if id <= 0 {
			c.add("line_ids", "must list line ids")
		}
		if seen[id] {
			c.add("line_ids", "must not list a line twice")
		}
		seen[id] = true
	}
}

// pickLines finds the lines a payment by item or seat names on bill b.
func pickLines(b Bill, in NewPayment) ([]OrderItem, error) {
	var out []OrderItem
	if in.Seat != nil {
		for _, o := range b.Orders {
			for _, it := range o.Items {
				if it.Seat != nil && *it.Seat == *in.Seat && it.live() && !it.Paid {
					out = append(out, it)
				}
			}
		}
		if len(out) == 0 {
			return nil, &ValidationError{Fields: map[string]string{"seat": fmt.Sprintf("seat %d has nothing left to pay", *in.Seat)}}
		}
		return out, nil
	}
	lines := map[int64]OrderItem{}
	for _, o := range b.Orders {
		for _, it := range o.Items {
			lines[it.ID] = it
		}
	}
	for _, id := range in.LineIDs {
		it, ok := lines[id]
		switch {
		case !ok:
			return nil, &ValidationError{Fields: map[string]string{"line_ids": fmt.Sprintf("line %d is not on this table's open bill", id)}}
		case !it.live():
			return nil, &ValidationError{Fields: map[string]string{"line_ids": fmt.Sprintf("line %d was voided", id)}}
		case it.Paid:
			return nil, conflictf("%s (line %d) is paid already", it.Name, id)
		}
		out = append(out, it)
	}
	return out, nil
}

// payLines marks lines paid by payment id. The condition in the UPDATE is
// what makes a line paid once, whatever else runs at the same time.
func (t *txn) payLines(paymentID int64, lines []OrderItem) error {
	ids := make([]int64, len(lines))
	for i, it := range lines {
		ids[i] = it.ID
	}
	res, err := t.tx.ExecContext(t.ctx, `UPDATE order_items SET paid_payment_id = ?
		WHERE id IN (SELECT value FROM json_each(?)) AND paid_payment_id IS NULL`, paymentID, jsonIDs(ids))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != int64(len(lines)) {
		return conflictf("some of these lines were paid already")
	}
	return nil
}

// splitAmount picks the lines of a payment by item or seat and checks its
// amount: what the lines come to, tax included, with the tip apart. An
// amount that already includes the tip (the lines plus tip_cents) is taken
// too; either way p.AmountCents becomes the lines' amount.
func (t *txn) splitAmount(b Bill, in NewPayment, p *Payment) ([]OrderItem, error) {
	lines, err := pickLines(b, in)
	if err != nil {
		return nil, err
	}
	st, err := getSettings(t.ctx, t.tx)
	if err != nil {
		return nil, err
	}
	want := linesAmount(b, st, lines)
	switch {
	case in.AmountCents == want:
	case in.TipCents > 0 && in.AmountCents-in.TipCents == want:
	default:
		return nil, &ValidationError{Fields: map[string]string{"amount_cents": fmt.Sprintf("must be %d, what these lines come to with tax (tip apart)", want)}}
	}
	if b.DueCents <= 0 {
		return nil, conflictf("the table owes nothing")
	}
	if want > b.DueCents {
		return nil, &ValidationError{Fields: map[string]string{"amount_cents": fmt.Sprintf("these lines come to %d, more than the %d due", want, b.DueCents)}}
	}
	p.AmountCents = want
	for _, it := range lines {
		p.LineIDs = append(p.LineIDs, it.ID)
	}
	return lines, nil
}

func containsLine(o Order, id int64) bool {
	for _, it := range o.Items {
		if it.ID == id {
			return true
		}
	}
	return false
}
