package io.switchboard.config

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ConfigurationException
import io.switchboard.OutlierDetection
import java.time.Duration

private fun parse(yaml: String): SwitchboardConfig = ConfigLoader().parse(yaml.trimIndent())

private fun failure(yaml: String): String = shouldThrow<ConfigurationException> { parse(yaml) }.message!!

class OutlierDetectionConfigTest :
    FunSpec({
        test("outlier-detection per manager and per service; what a section leaves out keeps the default") {
            val config =
                parse(
                    """
                    service-caller:
                      outlier-detection:
                        consecutive-failures: 3
                        base-ejection: 10s
                        max-ejection: 2m
                        max-ejected-share: 0.34
                        eject-on-connection-refused: false
                      services:
                        orders:
                          outlier-detection: { enabled: false }
                        users:
                          outlier-detection: { base-ejection: 500ms }
                    """,
                )
            val manager = config.serviceCaller.outlierDetection!!
            manager.enabled shouldBe true
            manager.consecutiveFailures shouldBe 3
            manager.baseEjection shouldBe Duration.ofSeconds(10)
            manager.maxEjection shouldBe Duration.ofMinutes(2)
            manager.maxEjectedShare shouldBe 0.34
            manager.ejectOnConnectionRefused shouldBe false
            config.serviceCaller.services
                .getValue("orders")
                .outlierDetection!!
                .enabled shouldBe false
            val users =
                config.serviceCaller.services
                    .getValue("users")
                    .outlierDetection!!
            users.baseEjection shouldBe Duration.ofMillis(500)
            users.consecutiveFailures shouldBe OutlierDetection.DEFAULT.consecutiveFailures
            users.maxEjection shouldBe Duration.ofSeconds(300)
            parse("service-caller:\n  lb-type: peak_ewma").serviceCaller.outlierDetection shouldBe null
        }

        test("bad outlier-detection values name the file, line, key and what is expected") {
            failure("service-caller:\n  outlier-detection:\n    consecutive-failures: 0") shouldContain
                "application.yaml:3:27: service-caller.outlier-detection.consecutive-failures: '0' (expected: a whole number from 1 to 1000000)"
            failure("service-caller:\n  outlier-detection:\n    max-ejected-share: 1.5") shouldContain
                "application.yaml:3:5: service-caller.outlier-detection.max-ejected-share: '1.5' (expected: a number from 0 to 1)"
            failure("service-caller:\n  outlier-detection:\n    max-ejected-share: -0.1") shouldContain
                "service-caller.outlier-detection.max-ejected-share: '-0.1' (expected: a number >= 0.0)"
            failure("service-caller:\n  outlier-detection:\n    base-ejection: never") shouldContain
                "service-caller.outlier-detection.base-ejection: 'never' (expected: a duration above zero"
            failure("service-caller:\n  outlier-detection:\n    base-ejection: 1m\n    max-ejection: 30s") shouldContain
                "application.yaml:4:5: service-caller.outlier-detection.max-ejection: max-ejection 30000 ms is below base-ejection 60000 ms"
            failure("service-caller:\n  services:\n    orders:\n      outlier-detection:\n        base-ejectoin: 1s") shouldContain
                "service-caller.services.orders.outlier-detection.base-ejectoin is not a known key (did you mean 'base-ejection'?)"
            failure("service-caller:\n  outlier-detection:\n    enabled: maybe") shouldContain
                "service-caller.outlier-detection.enabled: 'maybe' (expected: true or false)"
        }

        test("the builder checks each value and the pair of durations") {
            shouldThrow<ConfigurationException> { OutlierDetection.builder().consecutiveFailures(0) }.message shouldBe
                "consecutiveFailures: 0 (expected: >= 1)"
            shouldThrow<ConfigurationException> { OutlierDetection.builder().maxEjectedShare(2.0) }.message shouldBe
                "maxEjectedShare: 2.0 (expected: a number from 0 to 1)"
            shouldThrow<ConfigurationException> {
                OutlierDetection.builder().baseEjection(Duration.ofMinutes(10)).build()
            }.message shouldContain "maxEjection: PT5M is below baseEjection PT10M"
            OutlierDetection.DISABLED.enabled shouldBe false
            OutlierDetection.DEFAULT.toString() shouldContain "consecutiveFailures=5"
        }
    })
