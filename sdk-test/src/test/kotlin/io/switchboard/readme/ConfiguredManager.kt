package io.switchboard.readme

// README:begin kotlin-config
import io.switchboard.ServiceManager
import io.switchboard.config.SwitchboardConfig
import java.nio.file.Path

fun managerFromConfig(folder: Path): ServiceManager = SwitchboardConfig.load(folder, "dev").newServiceManager()
// README:end
