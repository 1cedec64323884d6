package mdns

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"
)

// TestMDNSHelperProcess is not a test: the network-namespace test re-runs
// the test binary inside a namespace with RMS_MDNS_HELPER set (the os/exec
// helper-process pattern), because a namespace belongs to a whole process
// more reliably than to a goroutine.
//
//   - RMS_MDNS_HELPER=serve runs the advertiser (name, port, interfaces and
//     poll interval from RMS_MDNS_*), prints "READY", and on end of stdin
//     shuts it down (goodbyes) and prints "BYE".
//   - RMS_MDNS_HELPER=capture joins the mDNS group on RMS_MDNS_IFACE and
//     prints every record of every response it hears as
//     "RR <name> <type> <ttl> <rdata>", like a cache would see them.
//   - RMS_MDNS_HELPER=query sends one legacy unicast query (from an
//     ephemeral port) for RMS_MDNS_QNAME/RMS_MDNS_QTYPE to the IPv4 mDNS
//     group and prints the first reply as "FROM <addr> ID <ok|bad>
//     Q <question>" and its answers as RR lines. dig cannot do this: it
//     drops a reply whose source is not the address it sent to.
func TestMDNSHelperProcess(t *testing.T) {
	switch os.Getenv("RMS_MDNS_HELPER") {
	case "serve":
		helperServe()
	case "capture":
		helperCapture()
	case "query":
		helperQuery()
	default:
		t.Skip("helper process for TestMDNSNetns")
	}
	os.Exit(0)
}

func helperServe() {
	port, _ := strconv.Atoi(os.Getenv("RMS_MDNS_PORT"))
	poll, _ := time.ParseDuration(os.Getenv("RMS_MDNS_POLL"))
	var ifaces []string
	if s := os.Getenv("RMS_MDNS_IFACES"); s != "" {
		ifaces = strings.Split(s, ",")
	}
	// Logs on stdout, so the test can wait for a warning.
	log := slog.New(slog.NewTextHandler(os.Stdout, nil))
	adv, err := Start(context.Background(), Options{
		Instance:     os.Getenv("RMS_MDNS_NAME"),
		Hostname:     os.Getenv("RMS_MDNS_HOST"),
		Port:         port,
		Interfaces:   ifaces,
		Version:      "test-1",
		Logger:       log,
		PollInterval: poll,
	})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	addrs, err := LANAddresses(ifaces)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("LAN", addrs)
	fmt.Println("READY")
	_, _ = io.Copy(io.Discard, os.Stdin)
	adv.Shutdown()
	fmt.Println("BYE")
}

func helperCapture() {
	ifc, err := net.InterfaceByName(os.Getenv("RMS_MDNS_IFACE"))
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	lc := net.ListenConfig{Control: mdnsControl}
	pc, err := lc.ListenPacket(context.Background(), "udp4", "0.0.0.0:5353")
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	c := ipv4.NewPacketConn(pc)
	if err := c.JoinGroup(ifc, &net.UDPAddr{IP: mdnsGroup4}); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("READY")
	out := bufio.NewWriter(os.Stdout)
	buf := make([]byte, 9000)
	for {
		n, _, _, err := c.ReadFrom(buf)
		if err != nil {
			os.Exit(1)
		}
		var m dns.Msg
		if m.Unpack(buf[:n]) != nil || !m.Response {
			continue
		}
		for _, rr := range append(m.Answer, m.Extra...) {
			h := rr.Header()
			data := strings.TrimPrefix(rr.String(), h.String())
			fmt.Fprintf(out, "RR %s %s %d %s\n", h.Name, dns.TypeToString[h.Rrtype], h.Ttl, data)
		}
		out.Flush()
	}
}

func helperQuery() {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	q := new(dns.Msg)
	q.SetQuestion(os.Getenv("RMS_MDNS_QNAME"), dns.StringToType[os.Getenv("RMS_MDNS_QTYPE")])
	q.RecursionDesired = false
	b, _ := q.Pack()
	if _, err := c.WriteTo(b, &net.UDPAddr{IP: mdnsGroup4, Port: mdnsPort}); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 9000)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		var r dns.Msg
		if r.Unpack(buf[:n]) != nil || !r.Response {
			continue
		}
		idOK := "bad"
		if r.Id == q.Id {
			idOK = "ok"
		}
		question := "none"
		if len(r.Question) == 1 {
			question = r.Question[0].Name + "/" + dns.TypeToString[r.Question[0].Qtype]
		}
		fmt.Printf("FROM %s ID %s Q %s\n", from, idOK, question)
		for _, rr := range r.Answer {
			h := rr.Header()
			data := strings.TrimPrefix(rr.String(), h.String())
			fmt.Printf("RR %s %s %d %s\n", h.Name, dns.TypeToString[h.Rrtype], h.Ttl, data)
		}
		return
	}
}
