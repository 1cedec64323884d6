package photo

import (
	"context"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"math"
	"strings"

	"rms/store"
)

// Demo pictures are drawn, not shipped: a plate seen from above (a glass
// for the bar), in colours that follow the dish's name, so the demo menu
// looks like a menu without carrying anybody's photographs.
const demoW, demoH = 720, 540

type palette struct {
	main, accent color.RGBA
}

// dishColours maps words of a dish's name to its colours; the first match wins.
var dishColours = []struct {
	words string
	p     palette
}{
	{"carbonara", palette{rgb(236, 196, 104), rgb(40, 30, 25)}},
	{"pesto basil", palette{rgb(96, 146, 56), rgb(240, 230, 200)}},
	{"funghi risotto", palette{rgb(206, 176, 128), rgb(110, 72, 40)}},
	{"vongole branzino fritto", palette{rgb(222, 184, 112), rgb(245, 220, 80)}},
	{"manzo tagliata saltimbocca carpaccio steak", palette{rgb(150, 58, 48), rgb(110, 160, 60)}},
	{"pomodoro ragù cacciatora parmigiana bruschetta", palette{rgb(196, 56, 38), rgb(90, 150, 60)}},
	{"burrata panna mozzarella", palette{rgb(246, 240, 226), rgb(190, 40, 60)}},
	{"tiramisù tiramisu", palette{rgb(112, 72, 46), rgb(238, 226, 200)}},
	{"cannoli", palette{rgb(206, 154, 84), rgb(130, 170, 70)}},
	{"affogato", palette{rgb(245, 236, 214), rgb(70, 40, 22)}},
	{"sorbetto limone lemon", palette{rgb(246, 232, 140), rgb(120, 170, 80)}},
	{"olive", palette{rgb(120, 128, 50), rgb(200, 150, 80)}},
	{"acqua water", palette{rgb(196, 224, 242), rgb(255, 255, 255)}},
	{"chianti vino wine", palette{rgb(112, 20, 36), rgb(255, 255, 255)}},
	{"aperol spritz", palette{rgb(242, 112, 30), rgb(250, 200, 60)}},
	{"birra beer moretti", palette{rgb(232, 170, 48), rgb(255, 250, 235)}},
	{"espresso caffè coffee", palette{rgb(62, 36, 20), rgb(200, 150, 100)}},
}

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{r, g, b, 255} }

func colours(name string, seed uint32) palette {
	lower := strings.ToLower(name)
	for _, d := range dishColours {
		for _, w := range strings.Fields(d.words) {
			if strings.Contains(lower, w) {
				return d.p
			}
		}
	}
	return dishColours[int(seed)%len(dishColours)].p
}

// Dish draws a w×h picture of the dish called name; drink draws a glass.
func Dish(name string, drink bool, w, h int) image.Image {
	f := fnv.New32a()
	f.Write([]byte(name))
	seed := f.Sum32()
	p := colours(name, seed)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	cx, cy := float64(w)/2, float64(h)/2
	unit := float64(min(w, h))
	// A few harmonics give each dish its own irregular outline.
	ph := [3]float64{float64(seed%628) / 100, float64(seed/7%628) / 100, float64(seed/13%628) / 100}
	garnish := garnishSpots(seed, unit*0.26)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			var c [3]float64
			if drink {
				c = drinkPixel(fx, fy, cx, cy, unit, p)
			} else {
				c = platePixel(fx, fy, cx, cy, unit, p, ph, garnish)
			}
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = clamp(c[0]), clamp(c[1]), clamp(c[2]), 255
		}
	}
	return img
}

type spot struct{ x, y, r float64 }

func garnishSpots(seed uint32, spread float64) []spot {
	s := seed | 1
	next := func() float64 { // xorshift: deterministic per dish
		s ^= s << 13
		s ^= s >> 17
		s ^= s << 5
		return float64(s%10000) / 10000
	}
	spots := make([]spot, 9)
	for i := range spots {
		a, d := next()*2*math.Pi, math.Sqrt(next())*spread
		spots[i] = spot{math.Cos(a) * d, math.Sin(a) * d, spread * (0.07 + 0.06*next())}
	}
	return spots
}

func clamp(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, v)))
}

// smooth is 1 inside an edge at distance 0 and 0 outside, over a pixel or two.
func smooth(d, width float64) float64 {
	return math.Max(0, math.Min(1, 0.5-d/width))
}

func mix(a, b [3]float64, t float64) [3]float64 {
	return [3]float64{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t, a[2] + (b[2]-a[2])*t}
}

func vec(c color.RGBA) [3]float64 { return [3]float64{float64(c.R), float64(c.G), float64(c.B)} }

func platePixel(x, y, cx, cy, unit float64, p palette, ph [3]float64, garnish []spot) [3]float64 {
	dx, dy := x-cx, y-cy
	r := math.Hypot(dx, dy)
	// The table: warm linen, darker towards the corners.
	table := mix([3]float64{214, 190, 160}, [3]float64{150, 118, 90}, math.Min(1, r/(unit*0.9)))
	// The plate's shadow, then the plate with its rim.
	plateR := unit * 0.42
	c := mix(table, [3]float64{90, 70, 55}, 0.35*smooth(math.Hypot(dx-unit*0.015, dy-unit*0.02)-plateR, unit*0.05))
	plate := mix([3]float64{252, 250, 246}, [3]float64{226, 222, 214}, math.Abs(r/plateR-0.78)*2.2)
	c = mix(c, plate, smooth(r-plateR, 1.5))
	if r > unit*0.36 { // beyond the largest mound: only plate and table
		return c
	}
	// The food: an irregular mound, lighter on top.
	a := math.Atan2(dy, dx)
	edge := unit * 0.26 * (1 + 0.07*math.Sin(3*a+ph[0]) + 0.05*math.Sin(5*a+ph[1]) + 0.03*math.Sin(7*a+ph[2]))
	food := mix(vec(p.main), [3]float64{255, 250, 235}, 0.28*math.Max(0, 1-math.Hypot(dx+unit*0.06, dy+unit*0.07)/edge))
	food = mix(food, [3]float64{0, 0, 0}, 0.25*math.Max(0, r/edge-0.6))
	c = mix(c, food, smooth(r-edge, 2))
	if r > edge+2 {
		return c
	}
	for _, s := range garnish {
		c = mix(c, vec(p.accent), 0.9*smooth(math.Hypot(dx-s.x, dy-s.y)-s.r, 1.5))
	}
	return c
}

func drinkPixel(x, y, cx, cy, unit float64, p palette) [3]float64 {
	// The bar: a dark gradient with a warm light from the top left.
	glow := math.Max(0, 1-math.Hypot(x-cx*0.6, y-cy*0.4)/(unit*1.1))
	c := mix([3]float64{38, 30, 34}, [3]float64{150, 110, 80}, glow)
	// A glass narrowing to the bottom, the drink in its lower part.
	top, bottom := cy-unit*0.3, cy+unit*0.34
	t := (y - top) / (bottom - top)
	half := unit * (0.2 - 0.05*t)
	inside := smooth(math.Abs(x-cx)-half, 1.5) * smooth(top-y, 1.5) * smooth(y-bottom, 1.5)
	glass := mix(c, [3]float64{235, 240, 245}, 0.18)
	level := top + (bottom-top)*0.28
	if y > level {
		depth := (y - level) / (bottom - level)
		glass = mix(vec(p.main), [3]float64{0, 0, 0}, 0.25*depth)
	}
	// The light catching the glass.
	shine := smooth(math.Abs(x-(cx-half*0.55))-half*0.08, 2) * 0.45
	glass = mix(glass, [3]float64{255, 255, 255}, shine)
	if math.Abs(y-level) < unit*0.012 && y > top {
		glass = mix(glass, vec(p.accent), 0.8)
	}
	return mix(c, glass, inside)
}

// SeedDemo gives every item of the menu that has no photo a drawn one:
// a glass for the bar station, a plate for the rest. It returns the first
// error of the store.
func SeedDemo(ctx context.Context, st *store.Store) error {
	menu, _, err := st.Menu(ctx, "")
	if err != nil {
		return err
	}
	for _, c := range menu.Categories {
		for _, it := range c.Items {
			if it.ImageURL != nil {
				continue
			}
			p, err := FromImage(Dish(it.Name, it.Station == "bar", demoW, demoH))
			if err != nil {
				return fmt.Errorf("photo: demo %s: %w", it.Name, err)
			}
			if _, err := st.SetItemImage(ctx, it.ID, p); err != nil {
				return err
			}
		}
	}
	return nil
}
