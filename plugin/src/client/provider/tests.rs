//! In-process fake tfplugin6 server driving `PluginProvider`.
