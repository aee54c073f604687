package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wirekit/wirekit/framing"
)

// KOError is a request the server refused with ["ko", reason].
type KOError struct {
	Reason string
}

func (e *KOError) Error() string { return "store: ko: " + e.Reason }

// ErrClientClosed is returned by calls on a Client after Close.
var ErrClientClosed = errors.New("store: client closed")

// Client is a connection to a store server with a method per request.
// It is safe for concurrent use, but carries one request at a time: calls
// wait for each other. For parallel requests, use several Clients.
//
// A Client made by Dial follows a replicated store's "not leader; leader
// is HOST:PORT" answer: it connects to that leader, sends the request
// again, and stays connected to the leader; after 3 such hops it returns
// the *KOError. A Client made by NewClient has no address to dial and
// returns the *KOError at once.
//
// An I/O error, including a context that ends while a call waits for its
// response, breaks the Client: the response could still arrive and be
// taken for the next call's, so that call and every later one fail.
type Client struct {
	closed atomic.Bool
	ncMu   sync.Mutex // guards nc for Close; only calls change it
	nc     net.Conn

	mu   sync.Mutex // one request in flight; guards what follows
	addr string     // the server's address; "" for NewClient
	fr   framing.Reader
	fw   framing.Writer
	buf  []byte
	err  error // sticky: the connection is broken
}

// maxHops is the number of "not leader" answers a call follows.
const maxHops = 3

// Dial connects to the store server at addr (host:port, over TCP).
func Dial(ctx context.Context, addr string) (*Client, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	c := NewClient(nc)
	c.addr = addr
	return c, nil
}

// NewClient returns a Client speaking over nc, which it owns.
func NewClient(nc net.Conn) *Client {
	c := &Client{}
	c.use(nc)
	return c
}

func (c *Client) use(nc net.Conn) {
	c.nc = nc
	c.fr = framing.NewReader(nc, framing.BE16, framing.MaxFrame(MaxMessage))
	c.fw = framing.NewWriter(nc, framing.BE16)
}

// Close closes the connection; a call in flight fails.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.ncMu.Lock()
	defer c.ncMu.Unlock()
	return c.nc.Close()
}

// call sends [op, args...] and returns the ok result, following "not
// leader" answers.
func (c *Client) call(ctx context.Context, op string, args ...any) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return nil, fmt.Errorf("store: %s: %w", op, ErrClientClosed)
	}
	if c.err != nil {
		return nil, fmt.Errorf("store: %s: connection broken by an earlier error: %w", op, c.err)
	}
	req, err := AppendRequest(c.buf[:0], op, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	c.buf = req
	if len(req) > MaxMessage {
		return nil, fmt.Errorf("store: %s: the request is %d bytes, over the limit of %d", op, len(req), MaxMessage)
	}
	for hops := 0; ; hops++ {
		raw, err := c.roundTrip(ctx, op, req)
		var ko *KOError
		if !errors.As(err, &ko) || c.addr == "" || hops == maxHops {
			return raw, err
		}
		leader, ok := strings.CutPrefix(ko.Reason, notLeaderPrefix)
		if !ok {
			return raw, err
		}
		if err := c.redial(ctx, leader); err != nil {
			// The KOError stays in the chain: this connection is still
			// good, and the caller can tell a stale hint from a broken
			// Client.
			return nil, fmt.Errorf("store: %s: %w; connecting to it: %w", op, ko, err)
		}
	}
}

// redial replaces the connection with one to addr; on error, the
// connection stays as it was.
func (c *Client) redial(ctx context.Context, addr string) error {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	c.ncMu.Lock()
	if c.closed.Load() {
		c.ncMu.Unlock()
		nc.Close()
		return ErrClientClosed
	}
	old := c.nc
	c.use(nc)
	c.addr = addr
	c.ncMu.Unlock()
	old.Close()
	return nil
}

// roundTrip sends the request message req and reads its response.
func (c *Client) roundTrip(ctx context.Context, op string, req []byte) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	nc := c.nc
	deadline, _ := ctx.Deadline()
	nc.SetDeadline(deadline) // zero clears an earlier call's
	// A cancellation without a deadline interrupts the I/O the same way.
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	fail := func(err error) error {
		switch {
		case ctx.Err() != nil:
			err = errors.Join(ctx.Err(), err)
		case errors.Is(err, os.ErrDeadlineExceeded) && !deadline.IsZero() && !time.Now().Before(deadline):
			// The conn's timer beat the context's.
			err = errors.Join(context.DeadlineExceeded, err)
		}
		if c.closed.Load() {
			err = errors.Join(ErrClientClosed, err)
		}
		c.err = err
		nc.Close()
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if err := c.fw.WriteFrame(req); err != nil {
		return nil, fail(err)
	}
	p, err := c.fr.ReadFrame()
	if err != nil {
		return nil, fail(err)
	}
	resp, err := ParseResponse(p)
	if err != nil {
		return nil, fail(err)
	}
	if !resp.OK {
		return nil, &KOError{Reason: resp.Reason}
	}
	// p lives in the reader's buffer; the next call would overwrite it.
	return bytes.Clone(resp.Result), nil
}

// decodeResult unmarshals an ok result, numbers as json.Number.
func decodeResult(op string, raw json.RawMessage, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("store: %s: unexpected result %.60q: %w", op, raw, err)
	}
	return nil
}

// Create makes collection col with a schema in its wire form, such as
// {"email": "*str", "age": "int"}.
func (c *Client) Create(ctx context.Context, col string, schema map[string]string) error {
	_, err := c.call(ctx, "create", col, schema)
	return err
}

// Destroy removes collection col and its documents.
func (c *Client) Destroy(ctx context.Context, col string) error {
	_, err := c.call(ctx, "destroy", col)
	return err
}

// Describe returns the schema and document count of col, or of every
// collection when col is "".
func (c *Client) Describe(ctx context.Context, col string) (map[string]Description, error) {
	var raw json.RawMessage
	var err error
	if col == "" {
		raw, err = c.call(ctx, "describe")
	} else {
		raw, err = c.call(ctx, "describe", col)
	}
	if err != nil {
		return nil, err
	}
	var out map[string]Description
	if err := decodeResult("describe", raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Insert adds doc to col and returns its new _id.
func (c *Client) Insert(ctx context.Context, col string, doc map[string]any) (string, error) {
	raw, err := c.call(ctx, "insert", col, doc)
	if err != nil {
		return "", err
	}
	var id string
	if err := decodeResult("insert", raw, &id); err != nil {
		return "", err
	}
	return id, nil
}

// Search returns the documents of col that match query (nil matches
// all), skipping skip of them and returning at most limit (0: no limit).
// Numbers come as json.Number. On a follower of a replicated store, the
// documents may be behind the leader's; see SearchLinearizable.
func (c *Client) Search(ctx context.Context, col string, query map[string]any, limit, skip int) ([]map[string]any, error) {
	return c.search(ctx, col, query, limit, skip, false)
}

// SearchLinearizable is Search on the leader of a replicated store, which
// first checks that it is still the leader and has applied every write
// committed before (its answer reflects every write acknowledged before
// the call). The Client follows the way to the leader.
func (c *Client) SearchLinearizable(ctx context.Context, col string, query map[string]any, limit, skip int) ([]map[string]any, error) {
	return c.search(ctx, col, query, limit, skip, true)
}

func (c *Client) search(ctx context.Context, col string, query map[string]any, limit, skip int, linearizable bool) ([]map[string]any, error) {
	if query == nil {
		query = map[string]any{}
	}
	args := []any{col, query}
	if limit != 0 || skip != 0 || linearizable {
		opts := map[string]any{}
		if limit != 0 {
			opts["limit"] = limit
		}
		if skip != 0 {
			opts["skip"] = skip
		}
		if linearizable {
			opts["linearizable"] = true
		}
		args = append(args, opts)
	}
	raw, err := c.call(ctx, "search", args...)
	if err != nil {
		return nil, err
	}
	var docs []map[string]any
	if err := decodeResult("search", raw, &docs); err != nil {
		return nil, err
	}
	return docs, nil
}

// Update applies changes to the documents of col that match query and
// returns how many there were.
func (c *Client) Update(ctx context.Context, col string, query, changes map[string]any) (int, error) {
	if query == nil {
		query = map[string]any{}
	}
	raw, err := c.call(ctx, "update", col, query, changes)
	if err != nil {
		return 0, err
	}
	var n int
	if err := decodeResult("update", raw, &n); err != nil {
		return 0, err
	}
	return n, nil
}

// Delete removes the documents of col that match query and returns how
// many there were.
func (c *Client) Delete(ctx context.Context, col string, query map[string]any) (int, error) {
	if query == nil {
		query = map[string]any{}
	}
	raw, err := c.call(ctx, "delete", col, query)
	if err != nil {
		return 0, err
	}
	var n int
	if err := decodeResult("delete", raw, &n); err != nil {
		return 0, err
	}
	return n, nil
}

// Join asks a replicated store to add the node with id (its store
// address) and raftAddr as a member. NodeConfig.Join does it for a
// node that starts.
func (c *Client) Join(ctx context.Context, id, raftAddr string) error {
	_, err := c.call(ctx, "join", id, raftAddr)
	return err
}

// Leave asks a replicated store to remove the member id.
func (c *Client) Leave(ctx context.Context, id string) error {
	_, err := c.call(ctx, "leave", id)
	return err
}

// Status returns the server's view of the replication: its state, the
// leader, and each member's state and applied index. A server without
// replication answers the state "standalone".
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	raw, err := c.call(ctx, "status")
	if err == nil {
		err = decodeResult("status", raw, &st)
	}
	return st, err
}
