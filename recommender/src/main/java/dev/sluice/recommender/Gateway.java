package dev.sluice.recommender;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Objects;

/**
 * A Sluice gateway the recommender deploys candidates on: its admin port (the SageMaker control plane and
 * {@code /metrics}) and its data port ({@code /endpoints/{name}/invocations}).
 *
 * @param instanceType the catalog type this gateway's machine stands for; null for the local gateway, whose type the
 *                     request (or this machine's size) decides
 * @param processId    the gateway's process when it runs on this machine (its resident memory is read from
 *                     {@code /proc}); null otherwise
 * @param remote       whether the gateway runs on another machine: it then gets the artifacts' remote URLs
 * @param authorization the {@code Authorization} header every request to the gateway carries (an authenticated
 *                      gateway's {@code Bearer} API key), or null; never printed
 */
public record Gateway(URI adminUrl, URI dataUrl, String instanceType, Long processId, boolean remote,
                      String authorization) {
    public Gateway {
        adminUrl = checkUrl("adminUrl", adminUrl);
        dataUrl = checkUrl("dataUrl", dataUrl);
        if (authorization != null && (authorization.isBlank() || authorization.indexOf('\n') >= 0
                || authorization.indexOf('\r') >= 0)) {
            throw new IllegalArgumentException("authorization must be one non-blank header line");
        }
    }

    public Gateway(URI adminUrl, URI dataUrl, String instanceType, Long processId, boolean remote) {
        this(adminUrl, dataUrl, instanceType, processId, remote, null);
    }

    /** A request to this gateway: its credentials, if it has any, already attached. */
    public HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri);
        return authorization == null ? builder : builder.header("Authorization", authorization);
    }

    /** The same gateway, requests carrying this {@code Authorization} header. */
    public Gateway withAuthorization(String header) {
        return new Gateway(adminUrl, dataUrl, instanceType, processId, remote, header);
    }

    /** A gateway in this JVM (what {@code sluice recommend} starts): its memory is this process's. */
    public static Gateway inProcess(URI adminUrl, URI dataUrl) {
        return new Gateway(adminUrl, dataUrl, null, ProcessHandle.current().pid(), false);
    }

    /** A gateway on another machine, declared with the instance type that machine is. */
    public static Gateway remoteHost(URI adminUrl, URI dataUrl, String instanceType) {
        Objects.requireNonNull(instanceType, "a remote host needs its instanceType");
        return new Gateway(adminUrl, dataUrl, instanceType, null, true);
    }

    public Gateway withInstanceType(String type) {
        return new Gateway(adminUrl, dataUrl, type, processId, remote, authorization);
    }

    /** Without the credentials: a report or a log line may print it. */
    @Override
    public String toString() {
        return "Gateway[adminUrl=" + adminUrl + ", dataUrl=" + dataUrl + ", instanceType=" + instanceType
                + ", processId=" + processId + ", remote=" + remote
                + (authorization == null ? "" : ", authorization=<redacted>") + "]";
    }

    private static URI checkUrl(String field, URI url) {
        Objects.requireNonNull(url, field);
        if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
                || url.getHost() == null) {
            throw new IllegalArgumentException(field + " must be an http(s)://host:port URL, got '" + url + "'");
        }
        return url;
    }
}
