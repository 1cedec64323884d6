package hub

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Format is how one kind of connection receives events: the /ws frame
// (the default), or another protocol's (the Socket.IO endpoint). The hub
// encodes an event once per format and room and shares those bytes among
// the connections, so a format costs one encoding per event, not one per
// delivery.
type Format struct {
	// Encode returns the frame of ev pushed through room. Data is valid
	// JSON (possibly empty).
	Encode func(ev Event, room string) []byte
	// ByRoom says the frame names its room; when false one frame serves
	// every room.
	ByRoom bool
}

// wsFormat is the format of connections registered without one.
var wsFormat = &Format{Encode: EncodeEvent, ByRoom: true}

// EncodeEvent returns the pushed frame of ev for room:
// {"event":name,"room":room,"seq":n,"data":data}. Data must be valid JSON;
// empty data is sent as {}.
func EncodeEvent(ev Event, room string) []byte {
	data := ev.Data
	if len(data) == 0 {
		data = []byte("{}")
	}
	b := make([]byte, 0, len(data)+len(ev.Name)+len(room)+48)
	b = append(b, `{"event":`...)
	b = appendString(b, ev.Name)
	b = append(b, `,"room":`...)
	b = appendString(b, room)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, ev.Seq, 10)
	b = append(b, `,"data":`...)
	b = append(b, data...)
	return append(b, '}')
}

// appendString appends s as a JSON string. Event and room names are plain
// ASCII, which takes the fast path; anything else goes through
// encoding/json so the frame is always valid JSON.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x20 || ch == '"' || ch == '\\' || ch >= utf8.RuneSelf || ch == '<' || ch == '>' || ch == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
