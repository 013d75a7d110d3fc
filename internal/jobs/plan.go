package jobs

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/hashicorp/nomad/api"
)

// Plan asks the scheduler what running job would change.
func (c *Client) Plan(ctx context.Context, job *api.Job) (*api.JobPlanResponse, error) {
	resp, _, err := c.Nomad.Jobs().PlanOpts(job, &api.PlanOptions{Diff: true}, (&api.WriteOptions{}).WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("planning %s: %w", *job.ID, err)
	}
	return resp, nil
}

// WritePlan prints a plan the way `nomad job plan` does: the diff, what
// the scheduler would do per group, placement problems, and the index to
// pass to job run --check-index.
func WritePlan(w io.Writer, file string, resp *api.JobPlanResponse) {
	d := resp.Diff
	if d != nil {
		fmt.Fprintf(w, "%s Job: %q\n", mark(d.Type), d.ID)
		writeFields(w, 2, d.Fields)
		writeObjects(w, 2, d.Objects)
		for _, tg := range d.TaskGroups {
			updates := ""
			if resp.Annotations != nil {
				if u, ok := resp.Annotations.DesiredTGUpdates[tg.Name]; ok {
					updates = " (" + desired(u) + ")"
				}
			}
			fmt.Fprintf(w, "%s Task Group: %q%s\n", mark(tg.Type), tg.Name, updates)
			writeFields(w, 4, tg.Fields)
			writeObjects(w, 4, tg.Objects)
			for _, t := range tg.Tasks {
				ann := ""
				if len(t.Annotations) > 0 {
					ann = " (" + strings.Join(t.Annotations, ", ") + ")"
				}
				fmt.Fprintf(w, "    %s Task: %q%s\n", mark(t.Type), t.Name, ann)
				writeFields(w, 6, t.Fields)
				writeObjects(w, 6, t.Objects)
			}
		}
	}
	if len(resp.FailedTGAllocs) > 0 {
		fmt.Fprintf(w, "\nScheduler dry-run:\n- WARNING: %s\n", (&PlacementError{Job: d.ID, Failed: resp.FailedTGAllocs}).Error())
	} else {
		fmt.Fprintf(w, "\nScheduler dry-run:\n- All tasks successfully allocated.\n")
	}
	if resp.Warnings != "" {
		fmt.Fprintf(w, "\nWarnings:\n%s\n", resp.Warnings)
	}
	fmt.Fprintf(w, "\nJob Modify Index: %d\n", resp.JobModifyIndex)
	fmt.Fprintf(w, "To submit the job with version verification run:\n\nnomadbox job run --check-index %d %s\n\n", resp.JobModifyIndex, file)
	fmt.Fprintf(w, "When running the job with the check-index flag, the job will only be run if the\n"+
		"job modify index given matches the server-side version. If the index has\n"+
		"changed, another user has modified the job and the plan's results are\npotentially invalid.\n")
}

func mark(typ string) string {
	switch typ {
	case "Added":
		return "+"
	case "Deleted":
		return "-"
	case "Edited":
		return "+/-"
	}
	return " "
}

func writeFields(w io.Writer, indent int, fields []*api.FieldDiff) {
	pad := strings.Repeat(" ", indent)
	for _, f := range fields {
		if f.Type == "None" {
			continue
		}
		ann := ""
		if len(f.Annotations) > 0 {
			ann = " (" + strings.Join(f.Annotations, ", ") + ")"
		}
		switch f.Type {
		case "Added":
			fmt.Fprintf(w, "%s+ %s: %q%s\n", pad, f.Name, f.New, ann)
		case "Deleted":
			fmt.Fprintf(w, "%s- %s: %q%s\n", pad, f.Name, f.Old, ann)
		default:
			fmt.Fprintf(w, "%s+/- %s: %q => %q%s\n", pad, f.Name, f.Old, f.New, ann)
		}
	}
}

func writeObjects(w io.Writer, indent int, objs []*api.ObjectDiff) {
	pad := strings.Repeat(" ", indent)
	for _, o := range objs {
		if o.Type == "None" {
			continue
		}
		fmt.Fprintf(w, "%s%s %s {\n", pad, mark(o.Type), o.Name)
		writeFields(w, indent+2, o.Fields)
		writeObjects(w, indent+2, o.Objects)
		fmt.Fprintf(w, "%s}\n", pad)
	}
}

func desired(u *api.DesiredUpdates) string {
	counts := map[string]uint64{
		"create": u.Place, "destroy": u.Stop, "migrate": u.Migrate, "in-place update": u.InPlaceUpdate,
		"create/destroy update": u.DestructiveUpdate, "canary": u.Canary, "ignore": u.Ignore,
	}
	var parts []string
	for k, v := range counts {
		if v > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", v, k))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
