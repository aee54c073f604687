package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/wirekit/wirekit/marshal"
	"github.com/wirekit/wirekit/protocol/sqtime"
)

func serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a protocol server",
	}
	var listen string
	var maxConns, maxInFlight int
	sq := &cobra.Command{
		Use:   "sqtime --listen ADDR",
		Short: "Serve the square-root/time protocol",
		Long: `serve sqtime answers sqrt and time requests on ADDR until interrupted, then
finishes the requests in flight and exits.`,
		Example: `  wirectl serve sqtime --listen 127.0.0.1:7070`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s := &sqtime.Server{MaxConns: maxConns, MaxInFlight: maxInFlight}
			return serve(cmd, "sqtime", listen, s, sqtime.ErrServerClosed)
		},
	}
	sq.Flags().StringVar(&listen, "listen", "127.0.0.1:7070", "address to listen on")
	sq.Flags().IntVar(&maxConns, "max-conns", 0, "most connections at once (0: the server's default)")
	sq.Flags().IntVar(&maxInFlight, "max-in-flight", 0, "most requests worked on at once per connection (0: the default)")
	cmd.AddCommand(sq, serveStoreCommand())
	return cmd
}

func callCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "call",
		Short: "Call a protocol server",
	}
	var timeout time.Duration
	sq := &cobra.Command{
		Use:   "sqtime ADDR (sqrt X | time)...",
		Short: "Send sqrt and time requests, concurrently, on one connection",
		Long: `call sqtime sends every request at once on one connection and prints each
answer, in the order the requests were given, one per line as JSON.`,
		Example: `  wirectl call sqtime 127.0.0.1:7070 sqrt 2 time sqrt -1
  wirectl call sqtime --timeout 2s 127.0.0.1:7070 time`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usagef("call sqtime needs ADDR and at least one of sqrt X or time")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			calls, err := parseCalls(args[1:])
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			c, err := sqtime.Dial(ctx, args[0])
			if err != nil {
				return err
			}
			defer c.Close()
			results := make([]string, len(calls))
			errs := make([]error, len(calls))
			done := make(chan int)
			for i, call := range calls {
				go func() {
					if call.time {
						var t time.Time
						t, errs[i] = c.Time(ctx)
						results[i] = fmt.Sprintf(`{"type":"time-response","time":%q}`, sqtime.FormatTime(t))
					} else {
						var r float64
						r, errs[i] = c.Sqrt(ctx, call.x)
						results[i] = fmt.Sprintf(`{"type":"sqrt-response","value":%s}`, jsonFloat(r))
					}
					done <- i
				}()
			}
			for range calls {
				<-done
			}
			out := cmd.OutOrStdout()
			for i := range calls {
				if errs[i] != nil {
					return errs[i]
				}
				fmt.Fprintln(out, results[i])
			}
			return nil
		},
	}
	sq.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "give up on the calls after this long")
	// Flags come before ADDR: after it, "sqrt -1" is an operand.
	sq.Flags().SetInterspersed(false)
	cmd.AddCommand(sq)
	return cmd
}

type sqtimeCall struct {
	time bool
	x    float64
}

func parseCalls(args []string) ([]sqtimeCall, error) {
	var calls []sqtimeCall
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "time":
			calls = append(calls, sqtimeCall{time: true})
		case "sqrt":
			if i+1 >= len(args) {
				return nil, usagef("sqrt needs a number")
			}
			x, err := strconv.ParseFloat(args[i+1], 64)
			if err != nil {
				return nil, usagef("sqrt %q: not a number", args[i+1])
			}
			calls = append(calls, sqtimeCall{x: x})
			i++
		default:
			return nil, usagef("%q: want sqrt X or time", args[i])
		}
	}
	return calls, nil
}

// jsonFloat is f in JSON, NaN and infinities as strings.
func jsonFloat(f float64) string {
	b, _ := marshal.Float(f).MarshalJSON() // never fails
	return string(b)
}
