package sqtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// ErrConnectionLost is wrapped by the error of every call that fails
// because the client's connection ended: the calls pending at that moment
// and every call after. The error also wraps the cause (a read or write
// error, io.EOF when the server closed the connection, a reply the client
// cannot match, or net.ErrClosed after Close).
var ErrConnectionLost = errors.New("sqtime: connection lost")

// Client calls a sqtime server over one connection. It is safe for
// concurrent use: calls from many goroutines share the connection, each
// tagged with its own request id, and one goroutine reads the replies and
// hands each to the call with its id, in whatever order they come.
type Client struct {
	conn       net.Conn
	w          *batchWriter
	readerDone chan struct{}
	closeOnce  sync.Once

	mu      sync.Mutex
	nextID  uint32
	pending map[uint32]*call
	// abandoned holds the ids of cancelled calls whose replies may still
	// arrive, with the reply type expected: a late reply is dropped, and
	// the id is not reused until it has come.
	abandoned map[uint32]Type
	err       error // non-nil once the connection is lost; final
}

// call is one request waiting for its reply.
type call struct {
	want Type
	resp Message
	err  error
	done chan struct{} // closed once resp or err is set
}

// Dial connects to the sqtime server at the TCP address addr. ctx bounds
// the dialling only.
func Dial(ctx context.Context, addr string) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sqtime: %w", err)
	}
	return NewClient(conn), nil
}

// NewClient returns a Client that calls over conn, which it owns from then
// on: Close closes it.
func NewClient(conn net.Conn) *Client {
	c := &Client{
		conn:       conn,
		readerDone: make(chan struct{}),
		pending:    make(map[uint32]*call),
		abandoned:  make(map[uint32]Type),
	}
	// Requests queued while one Write is in progress share the next one:
	// under many callers that is far fewer system calls than one each.
	c.w = newBatchWriter(conn, clientWriteTimeout, nil, c.lose)
	go c.read()
	return c
}

// Sqrt asks the server for the square root of x: NaN for negatives and
// NaN, and x itself for -0 and +Inf.
func (c *Client) Sqrt(ctx context.Context, x float64) (float64, error) {
	m, err := c.do(ctx, Message{Type: SqrtRequest, Value: x})
	if err != nil {
		return 0, err
	}
	return m.Value, nil
}

// Time asks the server for its current time, which it gives in UTC with
// nanoseconds.
func (c *Client) Time(ctx context.Context) (time.Time, error) {
	m, err := c.do(ctx, Message{Type: TimeRequest})
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, m.Time)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqtime: time response %q: %w", m.Time, err)
	}
	return t, nil
}

// Close closes the connection. Calls pending and later fail with an error
// wrapping ErrConnectionLost and net.ErrClosed. Close waits for the
// client's goroutines to end; closing twice returns net.ErrClosed.
func (c *Client) Close() error {
	err := net.ErrClosed
	c.closeOnce.Do(func() {
		err = nil
		c.lose(fmt.Errorf("client closed: %w", net.ErrClosed))
	})
	<-c.readerDone
	return err
}

// do sends m with a fresh id and waits for its reply or for ctx.
func (c *Client) do(ctx context.Context, m Message) (Message, error) {
	if err := ctx.Err(); err != nil {
		return Message{}, err
	}
	cl := &call{want: m.Type | 0x01000000, done: make(chan struct{})}
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return Message{}, err
	}
	// Ids wrap around at 2^32. One still in use (pending, or abandoned and
	// awaiting its late reply) is skipped: its reply would be taken for
	// this call's. There are far fewer of those than ids, so this ends.
	for {
		m.ID = c.nextID
		c.nextID++
		if _, busy := c.pending[m.ID]; busy {
			continue
		}
		if _, busy := c.abandoned[m.ID]; busy {
			continue
		}
		break
	}
	c.pending[m.ID] = cl
	c.mu.Unlock()

	if err := c.w.queue(m); err != nil {
		// The writer has failed; lose may not have run yet.
		c.lose(err)
	}
	select {
	case <-cl.done:
		return cl.resp, cl.err
	case <-ctx.Done():
		c.mu.Lock()
		if c.err == nil && c.pending[m.ID] == cl {
			delete(c.pending, m.ID)
			c.abandoned[m.ID] = cl.want
		}
		over := len(c.abandoned) > maxAbandoned
		c.mu.Unlock()
		if over {
			// The server has stopped answering: keeping every id it
			// owes would grow without end.
			c.lose(fmt.Errorf("%d calls abandoned without a reply", maxAbandoned+1))
		}
		return Message{}, ctx.Err()
	}
}

// read is the client's one reader: it hands each reply to its call, and
// loses the connection at the first error or reply it cannot match.
func (c *Client) read() {
	defer close(c.readerDone)
	defer c.w.close()
	r := NewReader(c.conn)
	for {
		m, err := r.Read()
		if err != nil {
			if err == io.EOF {
				err = fmt.Errorf("closed by the server: %w", err)
			}
			c.lose(err)
			return
		}
		c.mu.Lock()
		if c.err != nil {
			c.mu.Unlock()
			return
		}
		cl, ok := c.pending[m.ID]
		if !ok {
			want, late := c.abandoned[m.ID]
			if late && m.Type == want {
				delete(c.abandoned, m.ID)
				c.mu.Unlock()
				continue
			}
			c.mu.Unlock()
			c.lose(fmt.Errorf("%v with id %d, which no call is waiting for", m.Type, m.ID))
			return
		}
		if m.Type != cl.want {
			c.mu.Unlock()
			c.lose(fmt.Errorf("%v with id %d, which is waiting for a %v", m.Type, m.ID, cl.want))
			return
		}
		delete(c.pending, m.ID)
		c.mu.Unlock()
		cl.resp = m
		close(cl.done)
	}
}

// maxAbandoned bounds the ids of cancelled calls still owed a reply;
// past it the connection is lost. A server that answers at all clears
// them as its late replies arrive. (A variable for tests.)
var maxAbandoned = 1 << 16

// clientWriteTimeout bounds each write of requests: a server that stops
// reading loses the connection.
const clientWriteTimeout = 30 * time.Second

// lose marks the connection lost with cause, closes it, and fails every
// pending call. Only the first cause counts.
func (c *Client) lose(cause error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	err := fmt.Errorf("%w: %w", ErrConnectionLost, cause)
	c.err = err
	pending := c.pending
	c.pending, c.abandoned = nil, nil
	c.mu.Unlock()
	c.conn.Close()
	for _, cl := range pending {
		cl.err = err
		close(cl.done)
	}
}
