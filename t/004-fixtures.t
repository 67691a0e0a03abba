# vi:filetype=perl
#
# Every real payload of t/fixtures/real/ (see its SOURCES.md), posted as
# its system sends it: detected as its own system, answered with one entry
# per alert as its golden file t/golden/<system>/<name>.json says, each
# firing alert spooled with exactly the golden normalized alert, and one
# notice line naming the system as users grep for it.

use Test::Nginx::Socket 'no_plan';
use Cwd qw(cwd);
use JSON::PP ();

our $Top = cwd();
our $Json = JSON::PP->new->canonical;

our %Title = (alertmanager => 'Alertmanager', pagerduty => 'PagerDuty',
              grafana => 'Grafana', datadog => 'Datadog',
              opsgenie => 'Opsgenie', victorops => 'VictorOps',
              newrelic => 'New Relic');

sub slurp {
    my $path = shift;
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    return <$fh>;
}

# the request: form bodies (.txt) go as the sender posts them

sub post {
    my $name = shift;
    return "POST /webhook\n" . slurp("$Top/t/fixtures/real/$name");
}

sub content_type {
    my $name = shift;
    return $name =~ /\.txt$/
           ? "Content-Type: application/x-www-form-urlencoded"
           : "Content-Type: application/json";
}

sub golden {
    my $name = shift;
    $name =~ s/\.\w+$/.json/;
    return $Json->decode(slurp("$Top/t/golden/$name"));
}

sub queued {
    my $alert = shift;
    return $alert->{status} eq 'firing' && !defined $alert->{skip};
}

# what the answer and the spool must hold, from the golden file

sub expected {
    my $name = shift;
    my ($system) = $name =~ m{^([^/]+)/};
    my $golden = golden($name);
    my (@entries, @jobs);

    for my $alert (@{ $golden->{alerts} }) {
        my %e = map { $_ => $alert->{$_} }
                qw(alertname status namespace pod container service);

        if (queued($alert)) {
            $e{id} = 'ID';
            $e{queued} = JSON::PP::true;
            push @jobs, $alert;

        } else {
            $e{queued} = JSON::PP::false;
            $e{reason} = $alert->{skip} // 'resolved';
        }

        push @entries, \%e;
    }

    return $Json->encode({ status => 'accepted', source => $Title{$system},
                           alerts => \@entries }) . "\n"
           . join('', map { $Json->encode($_) . "\n" } @jobs);
}

# what the answer and the spool hold, ids replaced

sub spooled {
    my $answer = $Json->decode(shift);
    my $spool = html_dir() . '/../k8flex_spool/new';
    my @jobs;

    for my $entry (@{ $answer->{alerts} }) {
        next unless defined $entry->{id};
        my $job = $Json->decode(slurp("$spool/$entry->{id}.json"));
        push @jobs, $job->{alert};
        $entry->{id} = 'ID';
    }

    return $Json->encode($answer) . "\n"
           . join('', map { $Json->encode($_) . "\n" } @jobs);
}

sub log_line {
    my $name = shift;
    my ($system) = $name =~ m{^([^/]+)/};
    my $alerts = golden($name)->{alerts};
    my $n = @$alerts;
    my $q = grep { queued($_) } @$alerts;

    return sprintf('k8flex: %s webhook to "/webhook": %d alert%s, %d queued, '
                   . '%d skipped', $Title{$system}, $n, $n == 1 ? '' : 's',
                   $q, $n - $q);
}

repeat_each(1);
no_shuffle();
log_level('info');

add_block_preprocessor(sub {
    my $block = shift;

    # the receiver alone: the analysis engine would take the jobs away
    $block->set_value('http_config',
                      "k8flex_engine off;\n" . ($block->http_config // ''));
    my $name = $block->fixture or return;

    $block->set_value('config', 'location = /webhook { k8flex_webhook; }');
    $block->set_value('request', post($name));
    $block->set_value('more_headers', content_type($name));
    $block->set_value('error_code', 202);
    $block->set_value('response_body_filters', \&spooled);
    $block->set_value('response_body', expected($name));
    $block->set_value('error_log', [ log_line($name) ]);
    $block->set_value('no_error_log', "[warn]\n[error]\n[alert]\n[crit]");
});

run_tests();

__DATA__
=== TEST 1: alertmanager/firing-k8s-kubepodcrashlooping.json is Alertmanager
--- fixture: alertmanager/firing-k8s-kubepodcrashlooping.json



=== TEST 2: alertmanager/firing-multi-no-k8s.json is Alertmanager
--- fixture: alertmanager/firing-multi-no-k8s.json



=== TEST 3: alertmanager/k8flex-predecessor.json is Alertmanager
--- fixture: alertmanager/k8flex-predecessor.json



=== TEST 4: alertmanager/mixed-firing-resolved-k8s-group.json is Alertmanager
--- fixture: alertmanager/mixed-firing-resolved-k8s-group.json



=== TEST 5: alertmanager/resolved-am034-notification-reason-routelabels.json is Alertmanager
--- fixture: alertmanager/resolved-am034-notification-reason-routelabels.json



=== TEST 6: alertmanager/resolved-k8s-deployment-replicas.json is Alertmanager
--- fixture: alertmanager/resolved-k8s-deployment-replicas.json



=== TEST 7: pagerduty/k8flex-predecessor.json is PagerDuty
--- fixture: pagerduty/k8flex-predecessor.json



=== TEST 8: pagerduty/v1-incident-trigger-legacy.json is PagerDuty
--- fixture: pagerduty/v1-incident-trigger-legacy.json



=== TEST 9: pagerduty/v2-incident-acknowledge.json is PagerDuty
--- fixture: pagerduty/v2-incident-acknowledge.json



=== TEST 10: pagerduty/v2-incident-resolve.json is PagerDuty
--- fixture: pagerduty/v2-incident-resolve.json



=== TEST 11: pagerduty/v2-incident-trigger.json is PagerDuty
--- fixture: pagerduty/v2-incident-trigger.json



=== TEST 12: pagerduty/v3-incident-acknowledged.json is PagerDuty
--- fixture: pagerduty/v3-incident-acknowledged.json



=== TEST 13: pagerduty/v3-incident-custom-field-values-updated.json is PagerDuty
--- fixture: pagerduty/v3-incident-custom-field-values-updated.json



=== TEST 14: pagerduty/v3-incident-priority-updated-docs.json is PagerDuty
--- fixture: pagerduty/v3-incident-priority-updated-docs.json



=== TEST 15: pagerduty/v3-incident-resolved.json is PagerDuty
--- fixture: pagerduty/v3-incident-resolved.json



=== TEST 16: pagerduty/v3-incident-triggered.json is PagerDuty
--- fixture: pagerduty/v3-incident-triggered.json



=== TEST 17: grafana/k8flex-predecessor.json is Grafana
--- fixture: grafana/k8flex-predecessor.json



=== TEST 18: grafana/legacy-test-notification-alerting.json is Grafana
--- fixture: grafana/legacy-test-notification-alerting.json



=== TEST 19: grafana/legacy-test-notification-ok.json is Grafana
--- fixture: grafana/legacy-test-notification-ok.json



=== TEST 20: grafana/legacy-v7-no-data.json is Grafana
--- fixture: grafana/legacy-v7-no-data.json



=== TEST 21: grafana/unified-docs-firing-multi.json is Grafana
--- fixture: grafana/unified-docs-firing-multi.json



=== TEST 22: grafana/unified-k8s-mixed-firing-resolved.json is Grafana
--- fixture: grafana/unified-k8s-mixed-firing-resolved.json



=== TEST 23: grafana/unified-v11-values-imageurl.json is Grafana
--- fixture: grafana/unified-v11-values-imageurl.json



=== TEST 24: grafana/unified-v12-test-notification.json is Grafana
--- fixture: grafana/unified-v12-test-notification.json



=== TEST 25: grafana/unified-v8-test-resolved.json is Grafana
--- fixture: grafana/unified-v8-test-resolved.json



=== TEST 26: grafana/unified-v9-mixed-firing-resolved.json is Grafana
--- fixture: grafana/unified-v9-mixed-firing-resolved.json



=== TEST 27: grafana/unified-v9-resolved.json is Grafana
--- fixture: grafana/unified-v9-resolved.json



=== TEST 28: datadog/default-template-k8s-multi-alert-triggered.json is Datadog
--- fixture: datadog/default-template-k8s-multi-alert-triggered.json



=== TEST 29: datadog/k8flex-predecessor.json is Datadog
--- fixture: datadog/k8flex-predecessor.json



=== TEST 30: datadog/keep-log-alert-recovered.json is Datadog
--- fixture: datadog/keep-log-alert-recovered.json



=== TEST 31: datadog/keep-log-alert-triggered.json is Datadog
--- fixture: datadog/keep-log-alert-triggered.json



=== TEST 32: datadog/keep-log-alert-warn.json is Datadog
--- fixture: datadog/keep-log-alert-warn.json



=== TEST 33: datadog/keep-template-k8s-metric-triggered.json is Datadog
--- fixture: datadog/keep-template-k8s-metric-triggered.json



=== TEST 34: opsgenie/acknowledge.json is Opsgenie
--- fixture: opsgenie/acknowledge.json



=== TEST 35: opsgenie/addnote.json is Opsgenie
--- fixture: opsgenie/addnote.json



=== TEST 36: opsgenie/close.json is Opsgenie
--- fixture: opsgenie/close.json



=== TEST 37: opsgenie/create-k8s-details.json is Opsgenie
--- fixture: opsgenie/create-k8s-details.json



=== TEST 38: opsgenie/create-with-description-priority.json is Opsgenie
--- fixture: opsgenie/create-with-description-priority.json



=== TEST 39: opsgenie/create.json is Opsgenie
--- fixture: opsgenie/create.json



=== TEST 40: opsgenie/k8flex-predecessor.json is Opsgenie
--- fixture: opsgenie/k8flex-predecessor.json



=== TEST 41: victorops/escalation-webhook-form-urlencoded.txt is VictorOps
--- fixture: victorops/escalation-webhook-form-urlencoded.txt



=== TEST 42: victorops/k8flex-predecessor.json is VictorOps
--- fixture: victorops/k8flex-predecessor.json



=== TEST 43: victorops/outbound-flat-incident-phase-mismatch.json is VictorOps
--- fixture: victorops/outbound-flat-incident-phase-mismatch.json



=== TEST 44: victorops/outbound-flat-incident-resolved-reconstructed.json is VictorOps
--- fixture: victorops/outbound-flat-incident-resolved-reconstructed.json



=== TEST 45: victorops/outbound-flat-incident-triggered.json is VictorOps
--- fixture: victorops/outbound-flat-incident-triggered.json



=== TEST 46: victorops/outbound-flat-k8s-alertmanager-triggered.json is VictorOps
--- fixture: victorops/outbound-flat-k8s-alertmanager-triggered.json



=== TEST 47: newrelic/k8flex-predecessor.json is New Relic
--- fixture: newrelic/k8flex-predecessor.json



=== TEST 48: newrelic/legacy-channel-test-notification.json is New Relic
--- fixture: newrelic/legacy-channel-test-notification.json



=== TEST 49: newrelic/legacy-incident-open-partial.json is New Relic
--- fixture: newrelic/legacy-incident-open-partial.json



=== TEST 50: newrelic/legacy-k8s-incident-open.json is New Relic
--- fixture: newrelic/legacy-k8s-incident-open.json



=== TEST 51: newrelic/workflows-custom-template-k8s-activated.json is New Relic
--- fixture: newrelic/workflows-custom-template-k8s-activated.json



=== TEST 52: newrelic/workflows-default-acknowledged.json is New Relic
--- fixture: newrelic/workflows-default-acknowledged.json



=== TEST 53: newrelic/workflows-default-activated.json is New Relic
--- fixture: newrelic/workflows-default-activated.json



=== TEST 54: newrelic/workflows-default-closed.json is New Relic
--- fixture: newrelic/workflows-default-closed.json



=== TEST 55: newrelic/workflows-default-created.json is New Relic
--- fixture: newrelic/workflows-default-created.json
