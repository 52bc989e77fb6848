/**
 * The user's hosts to choose from (MultiSelect) and to name rows by: the check results, the rule
 * preview and the diagnosis tasks show host ids as names. Asked for at once (in the component's
 * setup); a failure is shown and the ids stand for the names.
 */
import { computed, ref } from 'vue'

import { showError } from '@/composables/notify'

export interface HostChoice {
  host_id: string
  host_name: string
  public_ip: string
}

export function useHostChoices(load: () => Promise<HostChoice[]>) {
  const hosts = ref<HostChoice[]>([])
  const names = computed(() => new Map(hosts.value.map((host) => [host.host_id, host.host_name])))

  /** A host's name, or its id when it is not among the user's hosts (deleted since). */
  function hostName(id: string): string {
    return names.value.get(id) ?? id
  }

  async function fetch(): Promise<void> {
    try {
      hosts.value = await load()
    } catch (error) {
      showError(error)
    }
  }

  /** Settles once the hosts are there (or their failure shown). */
  const loaded = fetch()

  return { hosts, hostName, loaded }
}
