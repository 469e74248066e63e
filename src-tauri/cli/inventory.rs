//! `drs-orchestrator inventory`: source servers and recovery-region instances of every target.

use super::{Cx, Failure};

/// Reads the inventory of one target or all, in parallel.
pub fn run(cx: &Cx, target: Option<&str>) -> Result<u8, Failure> {
    let inventory = cx.block_on(cx.app.inventory(target))?;
    let out = &cx.out;
    out.value(&inventory, || {
        let mut s = format!("Source servers ({})\n", inventory.source_servers.len());
        let mut table = comfy_table::Table::new();
        table
            .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
            .set_header(vec![
                "NAME",
                "SOURCE SERVER",
                "TARGET",
                "REPLICATION",
                "LAG",
                "LAST SEEN",
                "ERROR",
            ]);
        for sv in &inventory.source_servers {
            table.add_row(vec![
                sv.display_name().to_string(),
                sv.id.clone(),
                sv.target.clone(),
                sv.replication_state
                    .as_ref()
                    .map_or("—".into(), |r| r.as_str().to_string()),
                sv.lag.clone().unwrap_or_else(|| "—".into()),
                sv.last_seen.clone().unwrap_or_else(|| "—".into()),
                sv.replication_error
                    .as_ref()
                    .map_or(String::new(), |e| e.error.clone()),
            ]);
        }
        s.push_str(&table.to_string());
        s.push_str(&format!(
            "\n\nRecovery-region instances ({})\n",
            inventory.instances.len()
        ));
        let mut table = comfy_table::Table::new();
        table
            .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
            .set_header(vec![
                "NAME",
                "INSTANCE",
                "TARGET",
                "STATE",
                "TYPE",
                "PRIVATE IP",
                "AWSDRS TAG",
            ]);
        for i in &inventory.instances {
            table.add_row(vec![
                i.name.clone().unwrap_or_default(),
                i.id.clone(),
                i.target.clone(),
                serde_json::to_value(&i.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                i.instance_type.clone().unwrap_or_default(),
                i.private_ip.clone().unwrap_or_default(),
                i.tags.get("AWSDRS").cloned().unwrap_or_default(),
            ]);
        }
        s.push_str(&table.to_string());
        s
    });
    if inventory.failures.is_empty() {
        Ok(0)
    } else {
        let lines: Vec<String> = inventory
            .failures
            .iter()
            .map(|f| format!("target \"{}\": {}", f.target, f.message))
            .collect();
        Err(Failure::runtime(lines.join("\n")))
    }
}
