package io.switchboard.readme

import io.switchboard.ServiceManager
import io.switchboard.config.SwitchboardConfig
import java.nio.file.Path

// README:begin kotlin-config
fun managerFromConfig(folder: Path): ServiceManager = SwitchboardConfig.load(folder, "dev").newServiceManager()
// README:end
