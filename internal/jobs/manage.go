package jobs

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/hashicorp/nomad/api"
)

// Stop deregisters a job (purge also removes it from the job list) and
// waits until its allocations have stopped, so its services have left
// Consul when Stop returns.
func (c *Client) Stop(ctx context.Context, job string, purge bool) error {
	evalID, _, err := c.Nomad.Jobs().Deregister(job, purge, (&api.WriteOptions{}).WithContext(ctx))
	if err != nil {
		return fmt.Errorf("stopping %s: %w", job, err)
	}
	c.printf("Stopping job %s (evaluation %s)\n", job, short(evalID))
	if evalID != "" {
		if _, err := c.followEval(ctx, evalID); err != nil {
			return err
		}
	}
	for {
		allocs, _, err := c.Nomad.Jobs().Allocations(job, false, (&api.QueryOptions{}).WithContext(ctx))
		if err != nil {
			if purge {
				return nil // a purged job may be gone already
			}
			return err
		}
		live := 0
		for _, a := range allocs {
			if a.ClientStatus == api.AllocClientStatusRunning || a.ClientStatus == api.AllocClientStatusPending {
				live++
			}
		}
		if live == 0 {
			c.printf("Job %s stopped.\n", job)
			return nil
		}
		if err := c.sleep(ctx); err != nil {
			return err
		}
	}
}

// JobSummary is one line of `nomadbox job status` (`nomadbox jobs`).
type JobSummary struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Status  string `json:"status"`
	Running int    `json:"running"`
	Desired int    `json:"desired"`
}

// List returns the cluster's jobs (an empty list, never nil, when there
// are none: `jobs --json` prints [] then).
func (c *Client) List(ctx context.Context) ([]JobSummary, error) {
	stubs, _, err := c.Nomad.Jobs().List((&api.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return nil, err
	}
	out := []JobSummary{}
	for _, s := range stubs {
		js := JobSummary{ID: s.ID, Type: s.Type, Status: s.Status}
		if s.JobSummary != nil {
			for _, tg := range s.JobSummary.Summary {
				js.Running += tg.Running
			}
		}
		if job, _, err := c.Nomad.Jobs().Info(s.ID, (&api.QueryOptions{}).WithContext(ctx)); err == nil {
			for _, tg := range job.TaskGroups {
				if tg.Count != nil {
					js.Desired += *tg.Count
				}
			}
		}
		out = append(out, js)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// WriteList prints jobs as a table.
func WriteList(w io.Writer, jobs []JobSummary) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tSTATUS\tRUNNING")
	for _, j := range jobs {
		desired := fmt.Sprint(j.Desired)
		if j.Type == api.JobTypeSystem {
			desired = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%s\n", j.ID, j.Type, j.Status, j.Running, desired)
	}
	tw.Flush()
}
