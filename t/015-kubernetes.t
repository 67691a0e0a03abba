# vi:filetype=perl
#
# The Kubernetes client as it runs in a pod: the API server from
# KUBERNETES_SERVICE_HOST/PORT read at start, TLS verified against the
# service account's CA, the bearer token from its file, re-read when the
# kubelet rotates it, and connections kept open between reads.
#
# The fake API server is an https server block of the same nginx, with a
# CA and a certificate made by openssl for this run.  The token changes
# while nginx runs, so this file starts nginx itself (Test::More only).
# The alert, the fake API's locations, starting nginx and reading the
# records are in t/own-nginx.pl, shared with t/014-reload.t.

use strict;
use warnings;

use Test::More;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep);

our $Port = $ENV{TEST_NGINX_KUBE_PORT} || 19875;

require(dirname(abs_path(__FILE__)) . '/own-nginx.pl');

our ($KubePort, $OllamaPort, $PodApi, $OllamaServer);

plan skip_all => 'openssl is not installed'
    unless `openssl version 2>/dev/null` =~ /SSL/;

my $dir = tempdir(CLEANUP => 1);

# a CA, and a certificate for 127.0.0.1 signed by it

sub openssl {
    my $cmd = shift;
    system("openssl $cmd >/dev/null 2>&1") == 0 or die "openssl $cmd failed";
}

openssl("req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=k8flex-test-ca"
        . " -keyout $dir/ca.key -out $dir/ca.crt");
openssl("req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1"
        . " -keyout $dir/api.key -out $dir/api.csr");

open my $ext, '>', "$dir/ext.cnf" or die $!;
print $ext "subjectAltName = IP:127.0.0.1\n";
close $ext;

openssl("x509 -req -in $dir/api.csr -CA $dir/ca.crt -CAkey $dir/ca.key"
        . " -CAcreateserial -days 2 -extfile $dir/ext.cnf -out $dir/api.crt");

# another CA, which did not sign the API's certificate

openssl("req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca"
        . " -keyout $dir/other.key -out $dir/other.crt");

sub token {
    open my $fh, '>', "$dir/token.tmp" or die $!;
    print $fh "$_[0]\n";
    close $fh;
    rename "$dir/token.tmp", "$dir/token" or die $!;
}

# starts nginx; %env is its environment, $http_conf goes into http{}

sub start {
    my ($http_conf, %env) = @_;

    return start_nginx(<<_EOC_, env => \%env);
    k8flex_llm_retries 0;
    k8flex_cache_ttl 1ms;
    $http_conf

    log_format api '\$http_authorization \$connection \$connection_requests';

    server {
        listen 127.0.0.1:$KubePort ssl;
        ssl_certificate $dir/api.crt;
        ssl_certificate_key $dir/api.key;
        access_log logs/api.log api;
        keepalive_requests 1000;
        default_type application/json;

        if (\$http_authorization != "Bearer \$k8f_token") {
            return 401 '{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}';
        }

$PodApi
    }

$OllamaServer
_EOC_
}

sub stop {
    signal($_[0], 'stop');
    sleep 0.3;
}

# posts the alert; its record once the analysis is done or failed, undef
# if it is not within 15 s

sub analyse {
    my $rec = wait_state(post(), 'done|failed');
    return $rec && $rec->{state} =~ /^(?:done|failed)$/ ? $rec : undef;
}

sub section {
    my ($rec, $name) = @_;
    my ($s) = grep { $_->{name} =~ /^\Q$name\E/ }
              @{ $rec->{evidence}{sections} };
    return $s || {};
}

# the token the fake API expects comes from a map on a file's content:
# nginx cannot read a file per request, so each start names it

sub expect {
    my $t = shift;
    return "map \$host \$k8f_token { default \"$t\"; }\n";
}


# 1. in a pod: KUBERNETES_SERVICE_HOST/PORT, the CA and the token

{
    token('token-one');

    my $prefix = start(expect('token-one')
                       . "k8flex_kubernetes in-cluster;\n"
                       . "k8flex_kubernetes_token_file $dir/token;\n"
                       . "k8flex_kubernetes_ca_file $dir/ca.crt;\n",
                       KUBERNETES_SERVICE_HOST => '127.0.0.1',
                       KUBERNETES_SERVICE_PORT => $KubePort);

    my $rec = analyse();
    is($rec->{state}, 'done', 'in-cluster: the analysis is done');
    is(section($rec, 'pod')->{status}, 200,
       'in-cluster: the pod was read over TLS with the token');
    like(section($rec, 'pod')->{text}, qr/OOMKilled/,
         'in-cluster: the pod section shows the OOM kill');

    # the kubelet rotates the token: the fake now wants only the new one

    my $api = slurp("$prefix/logs/api.log");
    like($api, qr/^Bearer token-one /m, 'in-cluster: the token was sent');

    my %conns;
    $conns{(split ' ', $_)[1]}++ for split /\n/, $api;
    my ($reused) = grep { $_ > 1 } values %conns;
    ok($reused, 'in-cluster: a connection served several reads');

    stop($prefix);
}

# 2. the token file changes while nginx runs: the next reads use it

{
    token('token-two');

    my $prefix = start(expect('token-three')
                       . "k8flex_kubernetes https://127.0.0.1:$KubePort;\n"
                       . "k8flex_kubernetes_token_file $dir/token;\n"
                       . "k8flex_kubernetes_ca_file $dir/ca.crt;\n");

    my $rec = analyse();
    is(section($rec, 'pod')->{status}, 401,
       'rotation: the old token is refused');
    like(section($rec, 'pod')->{error}, qr/401/,
         'rotation: the refusal is a readable line');

    sleep 1.1;
    token('token-three');

    $rec = analyse();
    is(section($rec, 'pod')->{status}, 200,
       'rotation: the new token is read and accepted');
    my @reads = slurp("$prefix/logs/error.log")
                =~ /k8flex: read the Kubernetes token from "\Q$dir\E\/token"/g;
    is(scalar @reads, 2, 'rotation: the file was read twice, and logged');

    stop($prefix);
}

# 3. a CA that did not sign the API's certificate: a readable TLS error

{
    token('token-one');

    my $prefix = start(expect('token-one')
                       . "k8flex_kubernetes https://127.0.0.1:$KubePort;\n"
                       . "k8flex_kubernetes_token_file $dir/token;\n"
                       . "k8flex_kubernetes_ca_file $dir/other.crt;\n");

    my $rec = analyse();
    is($rec->{state}, 'done', 'wrong CA: the analysis is still done');
    is(section($rec, 'pod')->{status}, 0, 'wrong CA: no answer was read');
    like(section($rec, 'pod')->{error}, qr/certificate|SSL/i,
         'wrong CA: the error names the certificate');
    unlike(slurp("$prefix/logs/error.log"), qr/\[(?:alert|crit|emerg)\]/,
           'wrong CA: no alert or crit');

    stop($prefix);
}

# 4. in-cluster outside a pod: every read says what to configure

{
    my $prefix = start(expect('none') . "k8flex_kubernetes in-cluster;\n");

    my $rec = analyse();
    is($rec->{state}, 'done', 'not in a pod: the analysis is still done');
    like(section($rec, 'pod')->{error},
         qr/KUBERNETES_SERVICE_HOST was not set.*k8flex_kubernetes/,
         'not in a pod: the error says what to set');

    stop($prefix);
}

done_testing();
