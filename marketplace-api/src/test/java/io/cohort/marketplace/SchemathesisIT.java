package io.cohort.marketplace;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.contracts.CreditTree;
import io.cohort.contracts.DevKit;
import io.cohort.ipfs.kubo.KuboClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;

/**
 * Schemathesis (from the tools venv) fuzzes the live API from its own OpenAPI document, with a
 * settled project indexed so that reads have something to find: no response may be a 5xx. Its JUnit
 * report stays in target/schemathesis/.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainAndIpfs.class, restrictToAnnotatedClass = true)
class SchemathesisIT {

    @TestHTTPResource("/")
    URI base;

    @Test
    void noGeneratedRequestGetsAServerError() throws Exception {
        var chain = ChainAndIpfs.chain;
        try (KuboClient ipfs = KuboClient.connect(ChainAndIpfs.kubo.apiUrl())) {
            Play.Cast cast = Play.Cast.funded();
            Credentials owner = cast.owner();
            Credentials evaluator = cast.evaluator();
            Credentials alice = cast.alice();
            long start = chain.latestTimestamp() + 100;
            BigInteger project = Play.create(owner, start, 2, evaluator, ipfs);
            Play.as(alice).register(project, Play.STAKE).send();
            Play.as(evaluator).bondEvaluator(project, DevKit.ether("0.5")).send();
            Play.round(
                    project,
                    0,
                    start,
                    List.of(new Play.Judged(alice, 10_000, null)),
                    List.of(new CreditTree.Leaf(alice.getAddress(), Play.REWARD, BigInteger.ZERO)),
                    evaluator,
                    ipfs);
        }
        Path tools = Path.of(System.getProperty("test.tools.dir", "../tools")).toAbsolutePath();
        Path st = tools.getParent().resolve(".tools/venv/bin/schemathesis");
        Path out = Path.of("target", "schemathesis").toAbsolutePath();
        Files.createDirectories(out);
        String url = base.toString().replaceAll("/$", "");
        ProcessBuilder pb =
                new ProcessBuilder(
                        st.toString(),
                        "run",
                        url + "/q/openapi",
                        "--url",
                        url,
                        "--checks",
                        "not_a_server_error",
                        "--max-examples",
                        "40",
                        "--workers",
                        "1",
                        "--seed",
                        "1",
                        "--report",
                        "junit",
                        "--report-dir",
                        out.toString());
        pb.directory(out.toFile()); // its .schemathesis cache stays under target/
        pb.redirectErrorStream(true);
        pb.redirectOutput(out.resolve("output.txt").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(600, TimeUnit.SECONDS)).as("schemathesis finished").isTrue();
        String printed = Files.readString(out.resolve("output.txt"), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(printed).isZero();
        assertThat(printed).doesNotContain("Server error");
    }
}
