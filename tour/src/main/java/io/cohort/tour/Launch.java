package io.cohort.tour;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.contracts.DevKit;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.ModelWeights;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Wallet;
import org.web3j.protocol.ObjectMapperFactory;

/**
 * What a project owner does to launch a project through the marketplace's REST API, shared by the
 * demo and the compose steps: keystores for the nodes, the evaluator's seal key from the node's own
 * CLI, sign-in with Ethereum, and {@code POST /projects}.
 */
final class Launch {

    static final ObjectMapper JSON = new ObjectMapper();

    private Launch() {}

    /** The terms of a launch: model, committee of one, schedule, money. */
    record Terms(
            ModelSpec spec,
            String evaluator,
            String sealKey,
            int rounds,
            int startsIn,
            int submitSeconds,
            int evalSeconds) {

        /** The demo's model: the CNN for 28×28 images and ten classes, seed 7. */
        static Terms cnn(
                String evaluator,
                String sealKey,
                int rounds,
                int startsIn,
                int submitSeconds,
                int evalSeconds) {
            return new Terms(
                    ModelSpec.mnistCnn(7),
                    evaluator,
                    sealKey,
                    rounds,
                    startsIn,
                    submitSeconds,
                    evalSeconds);
        }
    }

    /** Signs in as {@code owner} and launches: the API's answer. */
    static JsonNode asOwner(
            HttpClient http, String api, Credentials owner, long chainId, Terms terms)
            throws IOException, InterruptedException {
        return launch(http, api, signIn(http, api, owner, chainId), terms);
    }

    /** Writes {@code key} as a web3j wallet file (light scrypt) locked by {@code password}. */
    static Path keystore(Path file, String password, Credentials key) throws IOException {
        try {
            ObjectMapperFactory.getObjectMapper()
                    .writeValue(file.toFile(), Wallet.createLight(password, key.getEcKeyPair()));
        } catch (org.web3j.crypto.exception.CipherException e) {
            throw new IOException("cannot write the keystore " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    /**
     * The X25519 seal key of the node whose keystore this is, as {@code cohort-node keys show}
     * prints it (the node derives it from the account key; the committee publishes it on-chain).
     */
    static String sealKeyOf(Path nodeJar, Path keystore, String password, Path log)
            throws IOException, InterruptedException {
        ProcessBuilder b =
                new ProcessBuilder(
                                ProcessHandle.current().info().command().orElse("java"),
                                "-Dcohort.keystore.path=" + keystore,
                                "-jar",
                                nodeJar.toString(),
                                "keys",
                                "show")
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
        b.environment().put("COHORT_KEYSTORE_PASSWORD", password);
        Process p = b.start();
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("keys show failed: " + Files.readString(log));
        }
        String text = Files.readString(log);
        String key = text.replaceAll("(?s).*seal-key (0x[0-9a-f]{64}).*", "$1");
        if (!key.startsWith("0x") || key.length() != 66) {
            throw new IOException("keys show printed no seal key: " + text);
        }
        return key;
    }

    /** Signs in with Ethereum (EIP-4361 message, EIP-191 signature) and returns the token. */
    static String signIn(HttpClient http, String api, Credentials owner, long chainId)
            throws IOException, InterruptedException {
        HttpResponse<String> nonce =
                http.send(
                        HttpRequest.newBuilder(URI.create(api + "/auth/nonce")).build(),
                        HttpResponse.BodyHandlers.ofString());
        if (nonce.statusCode() != 200) {
            throw new IOException("asking for a sign-in nonce failed: " + nonce.body());
        }
        String message =
                "localhost wants you to sign in with your Ethereum account:\n"
                        + owner.getAddress()
                        + "\n\nLaunch a Cohort project.\n\nURI: "
                        + api
                        + "/\nVersion: 1\nChain ID: "
                        + chainId
                        + "\nNonce: "
                        + JSON.readTree(nonce.body()).path("nonce").asText()
                        + "\nIssued At: "
                        + Instant.now();
        ObjectNode body =
                JSON.createObjectNode()
                        .put("message", message)
                        .put("signature", DevKit.personalSign(message, owner));
        HttpResponse<String> r = post(http, api + "/auth/login", null, body);
        if (r.statusCode() != 200) {
            throw new IOException("signing in failed: " + r.body());
        }
        return JSON.readTree(r.body()).path("token").asText();
    }

    /**
     * Launches the project ({@code POST /projects}, 1 ETH a round, 0.1 ETH stake, 0.5 ETH bond) and
     * returns the API's answer: project id, transaction hash, CIDs.
     */
    static JsonNode launch(HttpClient http, String api, String token, Terms t)
            throws IOException, InterruptedException {
        byte[] weights;
        try (DjlModel m = DjlModel.create(t.spec())) {
            weights = ModelWeights.write(m.layout(), m.parameters(), Map.of("round", "0"));
        }
        ObjectNode launch = JSON.createObjectNode();
        launch.set("modelSpec", JSON.readTree(t.spec().toJson()));
        launch.put("initialWeights", Base64.getEncoder().encodeToString(weights));
        launch.putArray("committee")
                .addObject()
                .put("address", t.evaluator())
                .put("sealKey", t.sealKey());
        launch.put("quorum", 1)
                .put("rewardPerRound", DevKit.ether("1").toString())
                .put("trainerStake", DevKit.ether("0.1").toString())
                .put("evaluatorBond", DevKit.ether("0.5").toString())
                .put("evaluatorPenalty", DevKit.ether("0.2").toString())
                .put("startsIn", t.startsIn())
                .put("submitPeriod", t.submitSeconds())
                .put("evalPeriod", t.evalSeconds())
                .put("rounds", t.rounds())
                .put("maxTrainers", 64);
        HttpResponse<String> r = post(http, api + "/projects", token, launch);
        if (r.statusCode() != 201) {
            throw new IOException(
                    "launching the project failed: " + r.statusCode() + " " + r.body());
        }
        JsonNode answer = JSON.readTree(r.body());
        if (!answer.path("project").asText().matches("[1-9][0-9]*")) {
            throw new IOException("the launch answered no project id: " + r.body());
        }
        return answer;
    }

    private static HttpResponse<String> post(
            HttpClient http, String url, String token, JsonNode body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofMinutes(2))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The HTTP status of a GET, or -1 when nothing answers. */
    static int status(HttpClient http, String url) {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
