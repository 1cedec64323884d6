package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"rms/hub"
)

// The wire format of the Socket.IO endpoint: Engine.IO 4 packets, whose
// message packets carry Socket.IO 5 packets. Only text is spoken; the
// contract's events are JSON.

// Engine.IO 4 packet types: the first byte of every packet.
const (
	eioOpen    = '0'
	eioClose   = '1'
	eioPing    = '2'
	eioPong    = '3'
	eioMessage = '4'
	eioUpgrade = '5'
	eioNoop    = '6'
)

// Socket.IO 5 packet types: the byte after eioMessage.
const (
	sioConnect      = '0'
	sioDisconnect   = '1'
	sioEvent        = '2'
	sioAck          = '3'
	sioConnectError = '4'
	sioBinaryEvent  = '5'
	sioBinaryAck    = '6'
)

// eioSeparator joins the packets of one long-polling payload.
const eioSeparator = 0x1e

// sioPacket is one decoded Socket.IO packet.
type sioPacket struct {
	Type  byte
	Nsp   string // "/" when the packet names none
	ID    int64  // the ack id; -1 when the packet wants no answer
	Data  json.RawMessage
	Bytes int // size on the wire, for limits and logs
}

var (
	errSIOBinary = errors.New("binary packets are not accepted")
	errSIOPacket = errors.New("malformed Socket.IO packet")
)

// parseSIOPacket decodes a Socket.IO packet (what follows eioMessage):
// type, optional "/nsp," namespace, optional ack id, optional JSON data.
// It returns errSIOBinary for binary packets and errSIOPacket for anything
// else it cannot read.
func parseSIOPacket(b []byte) (sioPacket, error) {
	p := sioPacket{Nsp: "/", ID: -1, Bytes: len(b)}
	if len(b) == 0 {
		return p, errSIOPacket
	}
	p.Type = b[0]
	switch p.Type {
	case sioConnect, sioDisconnect, sioEvent, sioAck, sioConnectError:
	case sioBinaryEvent, sioBinaryAck:
		return p, errSIOBinary
	default:
		return p, errSIOPacket
	}
	b = b[1:]
	if len(b) > 0 && b[0] == '/' {
		i := bytes.IndexByte(b, ',')
		if i < 0 {
			// A namespace alone ends the packet ("41/admin").
			i = len(b)
		}
		p.Nsp = string(b[:i])
		b = b[min(i+1, len(b)):]
	}
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	if n > 0 {
		// A JavaScript client counts its acks from 0 up; 15 digits stay
		// exact in both languages.
		if n > 15 {
			return p, errSIOPacket
		}
		p.ID, _ = strconv.ParseInt(string(b[:n]), 10, 64)
		b = b[n:]
	}
	if len(b) > 0 {
		if !json.Valid(b) {
			return p, errSIOPacket
		}
		p.Data = json.RawMessage(b)
	}
	return p, nil
}

// sioEventArgs splits an EVENT's data, a JSON array, into its name and
// arguments.
func sioEventArgs(data json.RawMessage) (string, []json.RawMessage, error) {
	var arr []json.RawMessage
	if err := json.Unmarshal(data, &arr); err != nil || len(arr) == 0 {
		return "", nil, errSIOPacket
	}
	var name string
	if err := json.Unmarshal(arr[0], &name); err != nil {
		return "", nil, errSIOPacket
	}
	return name, arr[1:], nil
}

// sioFormat is how the hub encodes events for Socket.IO connections:
// 42["order:created",{...}], the bare payload as the event's one argument.
// The frame does not name the room, so one encoding serves them all.
var sioFormat = &hub.Format{Encode: encodeSIOEvent}

func encodeSIOEvent(ev hub.Event, _ string) []byte {
	data := ev.Data
	if len(data) == 0 {
		data = []byte("{}")
	}
	name, _ := json.Marshal(ev.Name) // a string always encodes
	b := make([]byte, 0, len(data)+len(name)+5)
	b = append(b, eioMessage, sioEvent, '[')
	b = append(b, name...)
	b = append(b, ',')
	b = append(b, data...)
	return append(b, ']')
}

// sioEmit encodes a server event with one argument.
func sioEmit(name string, arg any) []byte {
	return encodeSIOEvent(hub.Event{Name: name, Data: mustJSON(arg)}, "")
}

// sioAckFrame answers the client's packet id with one argument.
func sioAckFrame(id int64, arg any) []byte {
	b := []byte{eioMessage, sioAck}
	b = strconv.AppendInt(b, id, 10)
	b = append(b, '[')
	b = append(b, mustJSON(arg)...)
	return append(b, ']')
}

// sioNspFrame is a packet of type typ for namespace nsp with optional data.
func sioNspFrame(typ byte, nsp string, data any) []byte {
	b := []byte{eioMessage, typ}
	if nsp != "/" {
		b = append(b, nsp...)
		b = append(b, ',')
	}
	if data != nil {
		b = append(b, mustJSON(data)...)
	}
	return b
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only maps, strings and numbers built here get encoded.
		panic("server: encode socket.io data: " + err.Error())
	}
	return b
}

// eioPayload joins packets for one long-polling response.
func eioPayload(frames [][]byte) []byte {
	n := len(frames)
	for _, f := range frames {
		n += len(f)
	}
	b := make([]byte, 0, n)
	for i, f := range frames {
		if i > 0 {
			b = append(b, eioSeparator)
		}
		b = append(b, f...)
	}
	return b
}
