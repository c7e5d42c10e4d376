package cloud

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/runpod-workers/janitor/pkg/cloud/cloudtest"
)

func TestLogs(t *testing.T) {
	t.Parallel()
	srv := cloudtest.Start(t)
	c := newTestClient(t, srv)
	ctx := t.Context()
	const group = "/janitor/dev"
	fx := srv.Fixtures()
	fx.LogGroup(t, group, "i-1/janitor", "i-1/bootstrap")
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	fx.LogEvents(t, group, "i-1/bootstrap", base, "bootstrap 1", "bootstrap 2")
	fx.LogEvents(t, group, "i-1/janitor", base.Add(time.Second), `{"level":"INFO","msg":"serving"}`)

	t.Run("read", func(t *testing.T) {
		var got []string
		err := c.Logs(ctx, LogsParams{Group: group}, func(e LogEvent) error {
			got = append(got, e.Stream+": "+e.Message)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"i-1/bootstrap: bootstrap 1", "i-1/bootstrap: bootstrap 2", `i-1/janitor: {"level":"INFO","msg":"serving"}`}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("since", func(t *testing.T) {
		var got []string
		err := c.Logs(ctx, LogsParams{Group: group, Since: base.Add(time.Second)}, func(e LogEvent) error {
			got = append(got, e.Message)
			return nil
		})
		if err != nil || len(got) != 1 {
			t.Errorf("lines since the janitor line: %q, %v", got, err)
		}
	})

	t.Run("follow", func(t *testing.T) {
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		lines := make(chan string, 16)
		done := make(chan error, 1)
		go func() {
			done <- c.Logs(fctx, LogsParams{Group: group, Follow: true}, func(e LogEvent) error {
				lines <- e.Message
				return nil
			})
		}()
		next := func() string {
			select {
			case l := <-lines:
				return l
			case <-fctx.Done():
				t.Fatal("no log line before the deadline")
				return ""
			}
		}
		for range 3 {
			next()
		}
		fx.LogEvents(t, group, "i-1/janitor", base.Add(2*time.Second), "later 1", "later 2")
		if a, b := next(), next(); a != "later 1" || b != "later 2" {
			t.Errorf("followed lines = %q, %q", a, b)
		}
		// Several polls later nothing was repeated.
		time.Sleep(5 * c.poll)
		select {
		case l := <-lines:
			t.Errorf("line repeated or invented: %q", l)
		default:
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("follow ended with %v, want context.Canceled", err)
		}
	})

	t.Run("emit error stops", func(t *testing.T) {
		stop := errors.New("enough")
		n := 0
		err := c.Logs(ctx, LogsParams{Group: group, Follow: true}, func(LogEvent) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("Logs = %v after %d lines, want the emit error after 1", err, n)
		}
	})

	t.Run("missing group", func(t *testing.T) {
		err := c.Logs(ctx, LogsParams{Group: "/janitor/nope"}, func(LogEvent) error { return nil })
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("log group %q not found", "/janitor/nope")) {
			t.Errorf("missing group: %v", err)
		}
	})
}
