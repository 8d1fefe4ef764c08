//! Builds the simulator's [`World`] and [`SimOptions`] from wxgate's configuration file, so
//! `wxgate sim --config wxgate.toml` plays the platform side of exactly what the gateway is
//! configured for: same ids, secrets, tokens and EncodingAESKeys, plus the `[sim]` section's
//! platform-side facts (directory size, privacy rules, visible ranges).

use wxgate_config::{Config, MessageFormat, Secret};

use crate::directory::{GenerateOptions, VisibleRange};
use crate::state::SimOptions;
use crate::world::{
    DirectorySource, SimApp, SimAppKind, SimCorp, SimMiniProgram, SimOfficialAccount,
    SimPushFormat, SimSecret, SimSuite, SimWebsite, World,
};

fn secret(value: &Secret) -> SimSecret {
    SimSecret::new(value.expose())
}

fn optional(value: &Option<Secret>) -> String {
    value
        .as_ref()
        .map(|v| v.expose().to_owned())
        .unwrap_or_default()
}

fn agent_id(value: i64) -> Option<u32> {
    u32::try_from(value).ok()
}

impl World {
    /// The world `config` describes; callbacks go to the gateway's public URL.
    pub fn from_config(config: &Config) -> World {
        let mut corps: Vec<SimCorp> = config
            .wecom
            .iter()
            .map(|corp| {
                let mut apps: Vec<SimApp> = corp
                    .apps
                    .iter()
                    .map(|app| SimApp {
                        agent_id: agent_id(app.agent_id),
                        token: app.token.as_ref().map(|t| t.expose().to_owned()),
                        encoding_aes_key: app.encoding_aes_key.as_ref().map(secret),
                        trusted_domains: app.trusted_domains.clone(),
                        ..SimApp::self_built(&app.name, 0, app.secret.expose())
                    })
                    .collect();
                if let Some(contacts) = &corp.contacts {
                    apps.push(SimApp {
                        token: contacts.token.as_ref().map(|t| t.expose().to_owned()),
                        encoding_aes_key: contacts.encoding_aes_key.as_ref().map(secret),
                        ..SimApp::contacts(&contacts.name, contacts.secret.expose())
                    });
                }
                apps.extend(corp.miniprograms.iter().map(|mini| SimApp {
                    agent_id: agent_id(mini.agent_id),
                    kind: SimAppKind::MiniProgram {
                        app_id: mini.app_id.clone(),
                    },
                    ..SimApp::self_built(&mini.name, 0, mini.secret.expose())
                }));
                SimCorp::new(&corp.name, &corp.corp_id, apps)
            })
            .collect();

        for sim_corp in &config.sim.corps {
            if let Some(corp) = corps.iter_mut().find(|c| c.name == sim_corp.corp) {
                corp.directory = match &sim_corp.directory_file {
                    Some(path) => DirectorySource::File(path.clone()),
                    None => DirectorySource::Generate(GenerateOptions {
                        corp_id: corp.corp_id.clone(),
                        members: sim_corp.members as usize,
                        departments: sim_corp.departments as usize,
                        seed: sim_corp.seed,
                    }),
                };
            }
        }
        for sim_app in &config.sim.apps {
            let app = corps
                .iter_mut()
                .flat_map(|c| c.apps.iter_mut())
                .find(|a| a.name == sim_app.app);
            if let Some(app) = app {
                app.created_after_privacy_rules = sim_app.created_after_privacy_rules;
                app.new_ip = sim_app.new_ip;
                app.visible = VisibleRange {
                    departments: sim_app.visible_departments.clone(),
                    users: sim_app.visible_users.clone(),
                    tags: Vec::new(),
                };
            }
        }

        World {
            corps,
            suites: config
                .suites
                .iter()
                .map(|suite| SimSuite {
                    name: suite.name.clone(),
                    suite_id: suite.suite_id.clone(),
                    suite_secret: secret(&suite.suite_secret),
                    token: suite.token.expose().to_owned(),
                    encoding_aes_key: secret(&suite.encoding_aes_key),
                    provider_corp_id: suite.provider_corp_id.clone(),
                    provider_secret: suite.provider_secret.as_ref().map(secret),
                    trusted_domains: suite.trusted_domains.clone(),
                })
                .collect(),
            official_accounts: config
                .wechat
                .official_accounts
                .iter()
                .map(|oa| SimOfficialAccount {
                    name: oa.name.clone(),
                    app_id: oa.app_id.clone(),
                    app_secret: secret(&oa.app_secret),
                    token: optional(&oa.token),
                    encoding_aes_key: SimSecret::new(optional(&oa.encoding_aes_key)),
                    open_platform: oa.open_platform.clone(),
                    trusted_domains: oa.trusted_domains.clone(),
                })
                .collect(),
            miniprograms: config
                .wechat
                .miniprograms
                .iter()
                .map(|mini| SimMiniProgram {
                    name: mini.name.clone(),
                    app_id: mini.app_id.clone(),
                    app_secret: secret(&mini.app_secret),
                    token: optional(&mini.token),
                    encoding_aes_key: SimSecret::new(optional(&mini.encoding_aes_key)),
                    open_platform: mini.open_platform.clone(),
                    format: match mini.format {
                        MessageFormat::Json => SimPushFormat::Json,
                        MessageFormat::Xml => SimPushFormat::Xml,
                    },
                })
                .collect(),
            websites: config
                .wechat
                .websites
                .iter()
                .map(|site| SimWebsite {
                    name: site.name.clone(),
                    app_id: site.app_id.clone(),
                    app_secret: secret(&site.app_secret),
                    token: String::new(),
                    encoding_aes_key: SimSecret::default(),
                    open_platform: site.open_platform.clone(),
                    trusted_domains: Vec::new(),
                })
                .collect(),
            gateway_url: Some(config.server.base_url()),
        }
    }
}

impl SimOptions {
    /// The options of the `[sim]` section.
    pub fn from_config(config: &Config) -> SimOptions {
        SimOptions {
            token_ttl_secs: config.sim.token_ttl_secs,
            clock_speed: config.sim.clock_speed,
            rate_limit_factor: config.sim.rate_limit_factor,
            suite_ticket_interval_secs: config.sim.suite_ticket_interval_secs,
            ..SimOptions::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_configuration_becomes_a_world() {
        let config = Config::example();
        let world = World::from_config(&config);
        assert_eq!(world.corps.len(), config.wecom.len());
        let corp = &config.wecom[0];
        let sim_corp = world.corp(&corp.corp_id).expect("corp");
        let app = &corp.apps[0];
        let (_, sim_app) = world.app_by_name(&app.name).expect("app");
        assert!(sim_app.secret.matches(app.secret.expose()));
        assert_eq!(sim_app.agent_id, agent_id(app.agent_id));
        assert_eq!(
            sim_corp.apps.len(),
            corp.apps.len() + usize::from(corp.contacts.is_some()) + corp.miniprograms.len()
        );
        assert_eq!(world.suites.len(), config.suites.len());
        assert_eq!(
            world.official_accounts.len(),
            config.wechat.official_accounts.len()
        );
        assert_eq!(world.gateway_url, Some(config.server.base_url()));
        let options = SimOptions::from_config(&config);
        assert_eq!(options.token_ttl_secs, config.sim.token_ttl_secs);
    }
}
