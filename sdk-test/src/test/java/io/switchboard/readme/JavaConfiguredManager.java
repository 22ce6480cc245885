package io.switchboard.readme;

import io.switchboard.ServiceManager;
import io.switchboard.config.SwitchboardConfig;
import java.nio.file.Path;

final class JavaConfiguredManager {
    private JavaConfiguredManager() {}

    // README:begin java-config
    static ServiceManager managerFromConfig(Path folder) {
        return ServiceManager.builder()
                .config(SwitchboardConfig.load(folder, "dev"))
                .connectionPoolSize(20) // builder calls after config() win
                .build();
    }
    // README:end
}
