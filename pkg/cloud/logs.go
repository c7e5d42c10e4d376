package cloud

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// LogEvent is one line of a CloudWatch log group.
type LogEvent struct {
	Time    time.Time
	Stream  string
	Message string
}

// LogsParams say which log lines to read.
type LogsParams struct {
	Group string
	// Since is the earliest time to read from; zero reads from the start.
	Since time.Time
	// Follow keeps reading new lines until ctx ends, asking every
	// PollInterval of the client (see Options).
	Follow bool
}

// Logs passes the group's lines in time order to emit, then, when following,
// the lines that arrive later, until ctx ends. An error from emit stops it.
func (c *Client) Logs(ctx context.Context, p LogsParams, emit func(LogEvent) error) error {
	start := p.Since
	// Events at the newest timestamp seen are remembered by ID: the next poll
	// starts at that millisecond again and must not repeat them.
	seen := map[string]bool{}
	var last int64
	for {
		in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(p.Group)}
		if !start.IsZero() {
			in.StartTime = aws.Int64(start.UnixMilli())
		}
		pages := cloudwatchlogs.NewFilterLogEventsPaginator(c.logs, in)
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if apiCode(err) == "ResourceNotFoundException" {
					return fmt.Errorf("log group %q not found in %s: run janitor infra apply for this environment", p.Group, c.region)
				}
				return wrap(fmt.Sprintf("read log group %q", p.Group), err)
			}
			// CloudWatch interleaves the streams in time order; sorting the
			// page keeps that true for emulators that list stream by stream.
			slices.SortStableFunc(page.Events, func(a, b types.FilteredLogEvent) int {
				return cmp.Compare(aws.ToInt64(a.Timestamp), aws.ToInt64(b.Timestamp))
			})
			for _, e := range page.Events {
				id, ts := aws.ToString(e.EventId), aws.ToInt64(e.Timestamp)
				if seen[id] {
					continue
				}
				if ts > last {
					last = ts
					clear(seen)
				}
				if ts == last {
					seen[id] = true
				}
				ev := LogEvent{Time: time.UnixMilli(ts).UTC(), Stream: aws.ToString(e.LogStreamName), Message: aws.ToString(e.Message)}
				if err := emit(ev); err != nil {
					return err
				}
			}
		}
		if !p.Follow {
			return nil
		}
		if last > 0 {
			start = time.UnixMilli(last)
		}
		t := time.NewTimer(c.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
