package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/nodeexec"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/plan"
	"github.com/nomadbox/nomadbox/internal/verify"
)

// Up renders the session's topology, brings every machine up, provisions
// all nodes in one Ansible run and waits until the cluster verifies
// healthy: the steps upRun.steps lists, in order, until one fails. When a
// step fails on a cluster this run created, its machines are removed
// unless Retain is set; machines that existed before are never removed
// (see failed).
func Up(ctx context.Context, s *Session, opts UpOptions) (*verify.Report, error) {
	if opts.DrainDeadline <= 0 {
		opts.DrainDeadline = 5 * time.Minute
	}
	u := &upRun{s: s, opts: opts, existed: s.Exists(ctx)}
	u.reportsAddresses = s.Provider.Description.Capabilities.ReportsAddresses && s.Topology.Provider.Plugin
	for _, step := range u.steps() {
		if err := step.run(ctx); err != nil {
			u.failed(ctx, err)
			return u.report, err
		}
	}
	s.Progress.Printf("%s\n", s.Progress.Summary())
	return u.report, nil
}

// upStep is one named step of up.
type upStep struct {
	name string
	run  func(ctx context.Context) error
}

// steps are up's steps in the order they run. Machines come first where
// the provider chooses their addresses (the agents are configured with
// them); Vagrant providers need the rendered Vagrantfile first.
func (u *upRun) steps() []upStep {
	steps := []upStep{{"plan", u.plan}, {"remove", u.remove}}
	if !u.reportsAddresses {
		steps = append(steps, upStep{"render", u.render})
	}
	steps = append(steps, upStep{"preflight", u.preflight}, upStep{"machines", u.machines})
	if u.reportsAddresses {
		steps = append(steps, upStep{"addresses", u.addresses}, upStep{"render", u.render})
	}
	steps = append(steps, upStep{"provision", u.provision})
	if !u.opts.NoVerify {
		steps = append(steps, upStep{"verify", u.verify}, upStep{"jobs", u.jobs})
	}
	return steps
}

// upRun is one up: its session and options, what the steps found out
// that later steps use, and what a failure leaves.
type upRun struct {
	s                *Session
	opts             UpOptions
	existed          bool // machines of the cluster existed before
	reportsAddresses bool // the provider chooses the machines' addresses
	pl               *plan.Plan
	files            generator.Files // the render to write, then the one written
	allRunning       bool            // every machine ran already
	skipped          bool            // nothing to provision: the plan names no change
	report           *verify.Report  // the last verify's
	left             leftover
}

// leftover is what a failed up leaves: set by the step that makes it so.
type leftover int

const (
	leftNothing leftover = iota // no machine was created or started
	leftHosts                   // existing hosts, with what this run installed
	leftNew                     // the machines of a new cluster: removed
	leftKept                    // machines kept (existing cluster, or --retain)
	leftHealthy                 // a healthy cluster (a job failed)
)

// failed ends a failed up: a dry run or a refused plan says nothing more;
// otherwise it says what is left and where the log is, and removes the
// machines of a new cluster (the one cleanup rule: unless --retain).
func (u *upRun) failed(ctx context.Context, err error) {
	if errors.Is(err, ErrDryRun) || errors.Is(err, ErrNeedsForce) {
		return
	}
	p := u.s.Progress
	p.Fail("")
	switch u.left {
	case leftHosts:
		p.Printf("The hosts keep what this run installed: retry with `nomadbox up`, or take it out again with `nomadbox destroy`.\n")
	case leftNew:
		u.removeCreated(ctx)
	case leftHealthy:
		p.Printf("The cluster is up and healthy; fix the job and run it with `nomadbox run FILE`.\n")
	case leftKept:
		p.Printf("The machines were kept: inspect them with `nomadbox ssh NODE`, retry with `nomadbox provision` or `nomadbox up`, remove them with `nomadbox destroy`.\n")
	}
	p.Printf("Full log: %s\n", u.s.LogPath)
}

// remove takes out the nodes the plan removes, first, while the rendered
// Vagrantfile still defines their machines.
func (u *upRun) remove(ctx context.Context) error {
	if u.pl == nil || len(u.pl.Remove) == 0 {
		return nil
	}
	p := u.s.Progress
	p.Phase("remove")
	if err := removeNodes(ctx, u.s, u.pl.Remove, u.opts.DrainDeadline); err != nil {
		return err
	}
	p.Done(fmt.Sprintf("%d node(s) drained and removed", len(u.pl.Remove)))
	return nil
}

// render writes the render the plan compared, or a new one.
func (u *upRun) render(context.Context) error {
	u.s.Progress.Phase("render")
	rendered, err := writeSession(u.s, u.files, u.opts.Assets)
	if err != nil {
		return err
	}
	u.s.rereadSecrets()
	u.files = rendered.Files
	return nil
}

// preflight runs the provider's checks where machines are to be created
// or started, and makes sure Ansible is there.
func (u *upRun) preflight(ctx context.Context) error {
	s, p := u.s, u.s.Progress
	p.Phase("preflight")
	if u.pl == nil || len(u.pl.Create)+len(u.pl.Start) > 0 || s.existingHosts() {
		if err := s.Provider.Preflight(ctx, s.cluster(), s.progressLine); err != nil {
			return err
		}
	} else {
		// The provider's preflight is what creating or starting machines
		// needs (its tools, the node image): this plan does neither, and
		// the listing it came from already proved the provider answers.
		// (About 0.25 s of six docker commands for the docker provider,
		// a tenth of a no-op up.) Only the key that verify and Ansible
		// reach the nodes with must be there.
		if err := nodeimage.InstallVagrantPrivateKey(nodeexec.VagrantKey()); err != nil {
			return err
		}
		p.Done("no machine to create or start")
	}
	_, err := execx.LookPath("ansible-playbook")
	return err
}

// machines brings up what does not run. From here on a failure leaves
// machines: a new cluster's are removed unless --retain.
func (u *upRun) machines(ctx context.Context) error {
	var err error
	u.allRunning, err = u.bringUp(ctx)
	if !u.allRunning {
		switch {
		case u.s.existingHosts():
			u.left = leftHosts
		case !u.existed && !u.opts.Retain:
			u.left = leftNew
		default:
			u.left = leftKept
		}
	}
	return err
}

// addresses takes the addresses the provider reported: the render the
// plan compared is stale, and the next step renders again.
func (u *upRun) addresses(ctx context.Context) error {
	if err := u.s.adoptAddresses(ctx); err != nil {
		return err
	}
	u.files = nil
	return nil
}

// provision runs Ansible when a machine was started or created, or when
// the plan names a change to the nodes; otherwise the cluster is only
// verified (and repaired by a provision if it turns out unhealthy).
func (u *upRun) provision(ctx context.Context) error {
	u.skipped = u.allRunning && u.pl != nil && !u.pl.Provisions()
	if u.skipped {
		u.s.Progress.Phase("provision")
		u.s.Progress.Done("no changes")
		return nil
	}
	_, err := provisioner{u.s}.phase(ctx, u.files)
	return err
}

// verify waits for the cluster to be healthy. The canaries run once per
// up: a healthy fingerprint is not proof that tasks start.
func (u *upRun) verify(ctx context.Context) error {
	s, p := u.s, u.s.Progress
	p.Phase("verify")
	req := VerifyRequest{Wait: u.opts.Wait, Canary: CanaryIfHealthy}
	if u.skipped {
		// Nothing changed: both kinds of check are expected to pass, and
		// a cluster that is not healthy soon is repaired by a provision
		// (then verified with the whole wait) instead of waited for.
		req.Canary = CanaryAlongside
		req.Wait = min(u.opts.Wait, unchangedWait)
	}
	report := Verify(ctx, s, req)
	if !report.Healthy && u.skipped {
		req.Canary, req.Wait = CanaryIfHealthy, u.opts.Wait
		p.Fail("unhealthy; provisioning to repair it")
		if _, err := (provisioner{s}).phase(ctx, u.files); err != nil {
			return err
		}
		p.Phase("verify")
		report = Verify(ctx, s, req)
	}
	u.report = report
	if !report.Healthy {
		return &UnhealthyError{Report: report}
	}
	p.Done(fmt.Sprintf("%d checks passed", report.Passed))
	// A healthy cluster is kept even when a job fails: the job is the
	// thing to fix.
	u.left = leftHealthy
	return nil
}

// jobs runs the topology's jobs on the healthy cluster.
func (u *upRun) jobs(ctx context.Context) error {
	return runJobs(ctx, u.s)
}
