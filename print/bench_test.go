package print_test

import (
	"testing"
	"time"

	"rms/print"
	"rms/store"
)

// BenchmarkRenderTicket: rendering is done per send, on the box's CPU; a
// ticket of 12 lines must cost far less than the network round trip.
func BenchmarkRenderTicket(b *testing.B) {
	o := &store.Order{ID: 118, TableName: "Terrace 4"}
	for i := range 12 {
		course := int64(i%3 + 1)
		it := store.OrderItem{ID: int64(i + 1), MenuItemID: int64(i%5 + 1), Name: "Pizza Margherita con mozzarella di bufala", Quantity: 2,
			Notes: "no basil, well done, cut in eight", Modifiers: []store.OrderModifier{{Group: "Extras", Name: "Extra cheese"}}}
		it.Course = &course
		o.Items = append(o.Items, it)
	}
	doc := store.PrintDoc{Kind: store.JobKitchen, Settings: store.Settings{Timezone: "Europe/Rome", Courses: []string{"Starters", "Mains", "Desserts"}},
		At: time.Now(), Table: "Terrace 4", Order: o, Allergens: map[int64][]string{1: {"gluten", "milk"}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := print.Render(doc, 42, false); err != nil {
			b.Fatal(err)
		}
	}
}
